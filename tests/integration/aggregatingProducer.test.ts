// The aggregating producer (shared/kinesis/aggregatingProducer.ts) against the project's Kinesis
// engine: what it reports for each event must be where that event is on the stream.
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import { withAggregation } from '../../shared/kinesis/aggregatingProducer.ts';
import { deaggregate } from '../../shared/kinesis/kplAggregation.ts';
import type { OutgoingRecord } from '../../shared/kinesis/packRecords.ts';
import { createProducer, type PutOutcome } from '../../shared/kinesis/producer.ts';
import { testClock, useTestEngine } from '../helpers/kinesisEngine.ts';
import { createActiveStream, uniqueName } from './kinesis/streamFixtures.ts';

const clock = testClock();
const kinesis = useTestEngine({ now: clock.now, shardLimits: true });
afterEach(() => clock.release());

/** Every event on the stream, in shard order, as (sequence number, sub-sequence number, partition key, data). */
async function readStream(stream: string) {
  const { Shards = [] } = await kinesis.client.send(new ListShardsCommand({ StreamName: stream }));
  const found: Array<{ sequenceNumber: string; sub?: number; partitionKey: string; data: string }> = [];
  let kinesisRecords = 0;
  for (const shard of Shards) {
    let { ShardIterator: iterator } = await kinesis.client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of page.Records ?? []) {
        kinesisRecords += 1;
        const sequenceNumber = record.SequenceNumber as string;
        const unpacked = deaggregate(record.Data as Uint8Array);
        if (unpacked.kind === 'aggregated') {
          for (const [sub, user] of unpacked.records.entries()) {
            found.push({
              sequenceNumber,
              sub,
              partitionKey: user.partitionKey,
              data: Buffer.from(user.data).toString(),
            });
          }
        } else {
          expect(unpacked.kind).toBe('plain');
          found.push({
            sequenceNumber,
            partitionKey: record.PartitionKey as string,
            data: Buffer.from(record.Data as Uint8Array).toString(),
          });
        }
      }
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return { found, kinesisRecords };
}

const event = (index: number, partitionKey: string, bytes = 300): OutgoingRecord => ({
  index,
  partitionKey,
  data: Buffer.from(`${index}:`.padEnd(bytes, 'x')),
});

describe('withAggregation', () => {
  it('packs events of one key into few records, and reports each event where it is on the stream', async () => {
    const stream = uniqueName('aggregated');
    await createActiveStream(kinesis.client, stream, 2);
    const records = Array.from({ length: 600 }, (_, i) => event(i, `key-${i % 3}`));
    // Too large to share a record of 8 KiB: it goes alone, in its key's order.
    records[301] = event(301, 'key-1', 9_000);
    const producer = withAggregation(createProducer({ client: kinesis.client, streamName: stream }), {
      maxRecordBytes: 8_192,
    });
    const { outcomes } = await producer.put(records);
    expect(outcomes.map((o) => o.index)).toEqual(records.map((r) => r.index));
    expect(outcomes.every((o) => o.status === 'accepted')).toBe(true);

    const { found, kinesisRecords } = await readStream(stream);
    expect(kinesisRecords).toBeLessThan(40);
    expect(found).toHaveLength(600);
    const at = new Map(found.map((f) => [`${f.sequenceNumber}/${f.sub}`, f]));
    for (const outcome of outcomes as Extract<PutOutcome, { status: 'accepted' }>[]) {
      const placed = at.get(`${outcome.sequenceNumber}/${outcome.subSequenceNumber}`);
      expect(placed?.data).toBe(Buffer.from((records[outcome.index] as OutgoingRecord).data).toString());
      expect(placed?.partitionKey).toBe(records[outcome.index]?.partitionKey);
    }
    expect(outcomes[301]).not.toHaveProperty('subSequenceNumber');
    // Each key's events in the order given.
    for (const key of ['key-0', 'key-1', 'key-2']) {
      const order = found.filter((f) => f.partitionKey === key).map((f) => Number(f.data.split(':')[0]));
      expect(order).toEqual(records.filter((r) => r.partitionKey === key).map((r) => r.index));
    }
  });

  it('sends an event alone in its key as a plain record, and one with an explicit hash key as it is, in its place', async () => {
    const stream = uniqueName('aggregated-plain');
    await createActiveStream(kinesis.client, stream, 1);
    const records = [
      event(0, 'lonely'),
      event(1, 'routed'),
      { ...event(2, 'routed'), explicitHashKey: '1' },
      event(3, 'routed'),
      event(4, 'routed'),
    ];
    const producer = withAggregation(createProducer({ client: kinesis.client, streamName: stream }), {
      maxRecordBytes: 51_200,
    });
    const { outcomes } = await producer.put(records);
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    expect(outcomes.map((o) => (o.status === 'accepted' ? o.subSequenceNumber : 'x'))).toEqual([
      undefined,
      undefined,
      undefined,
      0,
      1,
    ]);
    const { found, kinesisRecords } = await readStream(stream);
    expect(kinesisRecords).toBe(4);
    // The explicit hash key's record keeps its key's order: 1 before it, 3 and 4 after it.
    const routed = found.filter((f) => f.partitionKey === 'routed').map((f) => Number(f.data.split(':')[0]));
    expect(routed).toEqual([1, 2, 3, 4]);
  });

  it('reports every event of an aggregated record that a hot shard refused as failed, with the error', async () => {
    const stream = uniqueName('aggregated-throttled');
    await createActiveStream(kinesis.client, stream, 1);
    clock.pin();
    // 1,500 packs of 2 events on one shard in one second: past its 1,000 records/s.
    const records = Array.from({ length: 3_000 }, (_, i) => event(i, `key-${Math.floor(i / 2)}`, 100));
    const producer = withAggregation(
      createProducer({ client: kinesis.client, streamName: stream, retry: { maxAttempts: 1 } }),
      { maxRecordBytes: 51_200 },
    );
    const { outcomes } = await producer.put(records);
    const failed = outcomes.filter((o) => o.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const outcome of failed)
      expect(outcome).toMatchObject({ code: 'ProvisionedThroughputExceededException', retryable: true });
    // Both events of a pack share its fate.
    for (let i = 0; i < records.length; i += 2) expect(outcomes[i]?.status).toBe(outcomes[i + 1]?.status);
    const { found } = await readStream(stream);
    expect(found).toHaveLength(outcomes.filter((o) => o.status === 'accepted').length);
  });
});
