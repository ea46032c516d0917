import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import { describe, expect, it } from 'vitest';
import { describeRecordFailures, reportRecordFailures } from '../../shared/consumers/reportRecordFailures.ts';
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

  it("names each record's own error in the message of the whole-batch failure, which is all Lambda shows of it", async () => {
    const errors = new Map([
      [sequence(1), new Error('not UTF-8 JSON: Unexpected end of JSON input')],
      [sequence(2), new Error('cannot aggregate: value 1e+200 is outside the range DynamoDB numbers can hold')],
    ]);
    const thrown = await reportRecordFailures(batchOf(0, 1, 2), context, ({ kinesis }) =>
      errors.get(kinesis.sequenceNumber),
    ).catch((error: unknown) => error);
    // Still Powertools' error, so Lambda reports errorType FullBatchFailureError, with the errors kept.
    expect(thrown).toBeInstanceOf(FullBatchFailureError);
    const error = thrown as FullBatchFailureError;
    expect(error.name).toBe('FullBatchFailureError');
    expect(error.recordErrors).toEqual([...errors.values()]);
    expect(error.message).toBe(
      `All records failed processing. ${sequence(1)}: not UTF-8 JSON: Unexpected end of JSON input; ` +
        `${sequence(2)}: cannot aggregate: value 1e+200 is outside the range DynamoDB numbers can hold`,
    );
    expect(error.stack?.split('\n')[0]).toBe(`FullBatchFailureError: ${error.message}`);
  });

  it('keeps the message of a large batch failing alike to one line: a few records per error, then a count', () => {
    const failures = Array.from({ length: 500 }, (_, i) => ({
      sequenceNumber: sequence(i + 1),
      error: new Error(
        i < 498 ? 'aggregate T#page_view 2026-12-03T21:00:00.000Z\nstill changed under us' : `other ${i}`,
      ),
    }));
    const message = describeRecordFailures(failures);
    expect(message).not.toContain('\n');
    expect(message).toBe(
      `All records failed processing. ${sequence(1)}, ${sequence(2)}, ${sequence(3)} and 495 more: ` +
        `aggregate T#page_view 2026-12-03T21:00:00.000Z still changed under us; ` +
        `${sequence(499)}: other 498; ${sequence(500)}: other 499`,
    );
  });
});
