import { describe, expect, it } from 'vitest';
import { toShardRecord } from '../../local/eventSourceMapping/event.ts';
import { Lanes } from '../../local/eventSourceMapping/lanes.ts';

const SOURCE = { streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', region: 'us-east-1', roleArn: 'r' };
const recordOf = (n: number, bytes: number, partitionKey = `key-${n}`) =>
  toShardRecord({ SequenceNumber: String(n), PartitionKey: partitionKey, Data: new Uint8Array(bytes) }, 's', SOURCE);
const ready = { nowMs: 0, batchingWindowMs: 0, drained: false };

describe('the lanes of one shard', () => {
  it('count what waits in them, in records and event bytes, as records go in and batches leave', () => {
    const lanes = new Lanes(2);
    const records = Array.from({ length: 6 }, (_, n) => recordOf(n, 100 * (n + 1)));
    for (const record of records) lanes.enqueue(record, 0);
    const total = records.reduce((sum, record) => sum + record.eventBytes, 0);
    expect(lanes.queued).toBe(6);
    expect(lanes.queuedBytes).toBe(total);

    const taken = lanes.idle().flatMap((lane) => lanes.take(lane, { batchSize: 2, reservedBytes: 0 }, ready) ?? []);
    expect(taken.length).toBeGreaterThan(0);
    expect(lanes.queued).toBe(6 - taken.length);
    expect(lanes.queuedBytes).toBe(total - taken.reduce((sum, record) => sum + record.eventBytes, 0));
  });

  it('keep the records of one partition key in one lane, in read order', () => {
    const lanes = new Lanes(4);
    for (let n = 0; n < 5; n += 1) lanes.enqueue(recordOf(n, 10, 'same'), 0);
    const batches = lanes.idle().flatMap((lane) => {
      const batch = lanes.take(lane, { batchSize: 10, reservedBytes: 0 }, ready);
      return batch ? [batch] : [];
    });
    expect(batches.map((batch) => batch.map((record) => record.sequenceNumber))).toEqual([['0', '1', '2', '3', '4']]);
    expect(lanes.queued).toBe(0);
    expect(lanes.queuedBytes).toBe(0);
  });
});
