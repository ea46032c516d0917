import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { sampleEvent, seededRandom } from '../cli/sampleEvents.ts';
import { kinesisClient } from '../shared/aws/clients.ts';
import { toOutgoingRecord } from '../shared/events/outgoingRecord.ts';
import { validEvent } from '../shared/events/validateEvent.ts';
import type { OutgoingRecord } from '../shared/kinesis/packRecords.ts';
import { createProducer } from '../shared/kinesis/producer.ts';

export interface ThroughputResult {
  naiveEvents: number;
  naiveEventsPerSecond: number;
  producerEvents: number;
  producerEventsPerSecond: number;
  speedup: number;
}

function outgoingRecords(count: number, seed: number): OutgoingRecord[] {
  const random = seededRandom(seed);
  const context = { receivedAt: new Date().toISOString(), ingestRequestId: 'bench' };
  return Array.from(
    { length: count },
    (_, i) => toOutgoingRecord(i, validEvent(sampleEvent({ random })), context).outgoing,
  );
}

/**
 * Events/s into the same local Kinesis stream: a naive loop of one PutRecord per event, awaited
 * in turn, against the producer (packed PutRecords, 4 calls in flight). Clients read
 * KINESIS_ENDPOINT, so point it at the emulator first.
 */
export async function benchIngestThroughput(streamName: string, naiveCount = 1_000, producerCount = 20_000) {
  const client = kinesisClient();
  const naive = outgoingRecords(naiveCount, 1);
  const naiveStart = performance.now();
  for (const record of naive) {
    await client.send(
      new PutRecordCommand({ StreamName: streamName, Data: record.data, PartitionKey: record.partitionKey }),
    );
  }
  const naiveSeconds = (performance.now() - naiveStart) / 1000;

  const producer = createProducer({ client, streamName });
  const batch = outgoingRecords(producerCount, 2);
  const producerStart = performance.now();
  const { outcomes } = await producer.put(batch);
  const producerSeconds = (performance.now() - producerStart) / 1000;
  const accepted = outcomes.filter((o) => o.status === 'accepted').length;
  if (accepted !== producerCount) throw new Error(`producer wrote ${accepted} of ${producerCount} events`);

  const result: ThroughputResult = {
    naiveEvents: naiveCount,
    naiveEventsPerSecond: Math.round(naiveCount / naiveSeconds),
    producerEvents: producerCount,
    producerEventsPerSecond: Math.round(producerCount / producerSeconds),
    speedup: naiveSeconds / naiveCount / (producerSeconds / producerCount),
  };
  return result;
}
