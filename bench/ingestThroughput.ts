import { type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { sampleEvent, seededRandom } from '../cli/sampleEvents.ts';
import { ensureStream } from '../local/app/provision.ts';
import { toOutgoingRecord } from '../shared/events/outgoingRecord.ts';
import { validEvent } from '../shared/events/validateEvent.ts';
import type { OutgoingRecord } from '../shared/kinesis/packRecords.ts';
import { createProducer } from '../shared/kinesis/producer.ts';

export interface WriterResult {
  writer: string;
  events: number;
  eventsPerSecond: number;
  calls: number;
}

function outgoingRecords(count: number, seed: number): OutgoingRecord[] {
  const random = seededRandom(seed);
  const context = { receivedAt: new Date().toISOString(), ingestRequestId: 'bench' };
  return Array.from(
    { length: count },
    (_, i) => toOutgoingRecord(i, validEvent(sampleEvent({ random })), context).outgoing,
  );
}

async function timed(run: () => Promise<number>): Promise<{ seconds: number; calls: number }> {
  const start = performance.now();
  const calls = await run();
  return { seconds: (performance.now() - start) / 1000, calls };
}

/**
 * Events/s into the same local Kinesis: a naive loop of one PutRecord per event, awaited in turn,
 * against the producer at concurrency 1 and at its default of 4. Each writer gets a fresh 4-shard
 * stream with the same events, so that each starts from the same state.
 */
export async function benchIngestThroughput(client: KinesisClient, events = 2_000): Promise<WriterResult[]> {
  const results: WriterResult[] = [];
  const run = async (writer: string, write: (stream: string, records: OutgoingRecord[]) => Promise<number>) => {
    const stream = `bench-${results.length}-${Date.now()}`;
    await ensureStream(client, { name: stream, shardCount: 4 });
    const records = outgoingRecords(events, 7);
    const { seconds, calls } = await timed(() => write(stream, records));
    results.push({ writer, events, eventsPerSecond: Math.round(events / seconds), calls });
  };

  await run('naive: one PutRecord per event, awaited in turn', async (stream, records) => {
    for (const r of records) {
      await client.send(new PutRecordCommand({ StreamName: stream, Data: r.data, PartitionKey: r.partitionKey }));
    }
    return records.length;
  });
  for (const concurrency of [1, 4]) {
    await run(`producer: packed PutRecords, concurrency ${concurrency}`, async (stream, records) => {
      const { outcomes, stats } = await createProducer({ client, streamName: stream, concurrency }).put(records);
      const accepted = outcomes.filter((o) => o.status === 'accepted').length;
      if (accepted !== records.length) throw new Error(`producer wrote ${accepted} of ${records.length} events`);
      return stats.putRecordsCalls;
    });
  }
  return results;
}
