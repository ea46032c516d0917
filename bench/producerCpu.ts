import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { sampleEvent, seededRandom } from '../cli/sampleEvents.ts';
import { toOutgoingRecord } from '../shared/events/outgoingRecord.ts';
import { validEvent } from '../shared/events/validateEvent.ts';
import { createProducer } from '../shared/kinesis/producer.ts';

export interface CpuResult {
  events: number;
  averageRecordBytes: number;
  producerEventsPerCpuSecond: number;
  stringifyEventsPerCpuSecond: number;
  /** Producer cost relative to a plain JSON.stringify of the same events (1 = as cheap). */
  costRatio: number;
}

/** Accepts every entry at once: measures our CPU, not a network. */
const noOpKinesis = {
  async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
    const records = command.input.Records ?? [];
    return {
      FailedRecordCount: 0,
      Records: records.map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })),
      $metadata: {},
    };
  },
};

function cpuSeconds(run: () => Promise<void> | void): Promise<number> {
  const start = process.cpuUsage();
  return Promise.resolve(run()).then(() => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1e6;
  });
}

/**
 * Validate + complete + encode + pack + "send" 100,000 sample events with a no-op transport,
 * against JSON.stringify of the same events, both timed in CPU seconds in this process.
 */
export async function benchProducerCpu(count = 100_000, rounds = 3): Promise<CpuResult> {
  const random = seededRandom(42);
  const events = Array.from({ length: count }, () => sampleEvent({ random }));
  const producer = createProducer({ client: noOpKinesis, streamName: 'bench' });
  const context = { receivedAt: new Date().toISOString(), ingestRequestId: 'bench' };
  let bytes = 0;

  const produce = async () => {
    const outgoing = events.map((event, i) => toOutgoingRecord(i, validEvent(event), context).outgoing);
    bytes = outgoing.reduce((sum, r) => sum + r.data.byteLength, 0);
    const { outcomes } = await producer.put(outgoing);
    if (outcomes.length !== count) throw new Error('producer lost events');
  };
  let sink = 0;
  const stringify = () => {
    for (const event of events) sink += JSON.stringify(event).length;
  };

  await produce(); // warm up the JIT for both before measuring
  stringify();
  let producerSeconds = Number.POSITIVE_INFINITY;
  let stringifySeconds = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    producerSeconds = Math.min(producerSeconds, await cpuSeconds(produce));
    stringifySeconds = Math.min(stringifySeconds, await cpuSeconds(stringify));
  }
  if (sink === 0) throw new Error('unreachable: keeps stringify from being optimised away');
  return {
    events: count,
    averageRecordBytes: Math.round(bytes / count),
    producerEventsPerCpuSecond: Math.round(count / producerSeconds),
    stringifyEventsPerCpuSecond: Math.round(count / stringifySeconds),
    costRatio: stringifySeconds > 0 ? producerSeconds / stringifySeconds : Number.NaN,
  };
}
