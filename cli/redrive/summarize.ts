import type { FailedBatch } from './failedBatches.ts';

/**
 * What an operator reads before redriving: how many failure records and records, on which shards,
 * which sequence ranges, why Lambda gave up (condition, function error) and when.
 *
 * @example
 * console.log(summarize(batches, 'kinesis-pipeline-dev-aggregatefailedbatches-…').join('\n'));
 * // 2 failed batches, 7 records, 2 shards in kinesis-pipeline-dev-aggregate…
 * //   shardId-000000000000  49650…201 .. 49650…305  5 records  RetryAttemptsExhausted  functionError=null  payload  2026-01-02T03:04:05.000Z
 */
export function summarize(batches: readonly FailedBatch[], bucket: string): string[] {
  if (batches.length === 0) return [`no failed batches in ${bucket}`];
  const records = batches.reduce((sum, { record }) => sum + record.KinesisBatchInfo.batchSize, 0);
  const shards = new Set(batches.map(({ record }) => record.KinesisBatchInfo.shardId));
  const lines = [
    `${plural(batches.length, 'failed batch', 'failed batches')}, ${plural(records, 'record')}, ${plural(shards.size, 'shard')} in ${bucket}`,
  ];
  for (const { record } of batches) {
    const info = record.KinesisBatchInfo;
    lines.push(
      [
        `  ${info.shardId}`,
        `${info.startSequenceNumber} .. ${info.endSequenceNumber}`,
        plural(info.batchSize, 'record'),
        record.requestContext.condition,
        `functionError=${record.responseContext?.functionError ?? 'null'}`,
        record.payload === undefined ? 'metadata only' : 'payload',
        record.timestamp,
      ].join('  '),
    );
  }
  const first = batches[0]?.record;
  if (first) {
    const error = first.responseContext?.functionError
      ? `the function failed (${first.responseContext.functionError})`
      : first.responseContext
        ? 'records reported in batchItemFailures'
        : 'no invoke was made';
    lines.push(
      `first error: ${first.requestContext.condition} at ${first.timestamp}: ${error}, after ${plural(first.requestContext.approximateInvokeCount, 'invoke')}`,
    );
  }
  return lines;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
