import { describe, expect, it } from 'vitest';
import { reportRecordFailures } from '../../shared/consumers/reportRecordFailures.ts';
import { aKinesisBatch, sequence } from '../helpers/kinesisEvents.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';

const context = lambdaContext('consumer');
const batchOf = (shard: number, first: number, size: number) =>
  aKinesisBatch(
    Array.from({ length: size }, () => ({ data: 'x' })),
    { shardId: `shardId-00000000000${shard}`, firstSequence: first },
  );

describe('reportRecordFailures', () => {
  it('reports the failed records by sequence number, in shard order', async () => {
    const failing = new Set([sequence(3), sequence(5)]);
    const response = await reportRecordFailures(batchOf(0, 1, 6), context, ({ kinesis }) =>
      failing.has(kinesis.sequenceNumber) ? new Error('no') : undefined,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: sequence(3) }, { itemIdentifier: sequence(5) }]);
  });

  it("keeps concurrent invocations apart: each reports only its own batch's records", async () => {
    // The local runtime runs every shard's batches in one process, at the same time.
    const batches = [batchOf(0, 1, 50), batchOf(1, 101, 50), batchOf(2, 201, 50)];
    const responses = await Promise.all(
      batches.map((batch) =>
        reportRecordFailures(batch, context, ({ kinesis }) =>
          Number(BigInt(kinesis.sequenceNumber) % 7n) === 0 ? new Error('no') : undefined,
        ),
      ),
    );
    responses.forEach((response, i) => {
      const own = new Set(batches[i]?.Records.map((record) => record.kinesis.sequenceNumber));
      expect(response.batchItemFailures.length).toBeGreaterThan(0);
      for (const { itemIdentifier } of response.batchItemFailures) expect(own.has(itemIdentifier)).toBe(true);
    });
  });

  it('throws when every record failed, unless told to report them all', async () => {
    const everyRecord = () => new Error('no');
    await expect(reportRecordFailures(batchOf(0, 1, 2), context, everyRecord)).rejects.toThrow(/All records failed/);
    const response = await reportRecordFailures(batchOf(0, 1, 2), context, everyRecord, {
      throwOnFullBatchFailure: false,
    });
    expect(response.batchItemFailures).toHaveLength(2);
  });
});
