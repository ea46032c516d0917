import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { PartialItemFailureResponse } from '@aws-lambda-powertools/batch/types';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/**
 * The partial batch response for a batch whose outcome is already known: every consumer first does
 * its work for the whole batch (decode, plan, write), then reports through Powertools' batch
 * utility, record by record in shard order (`processInParallel: false`), each record failing with
 * the error `failureOf` gives it (undefined: processed).
 *
 * A new BatchProcessor per call: it keeps the batch's records and failures in its own fields, so one
 * shared by concurrent invocations (the local runtime runs every shard's batches in one process)
 * would mix their failures up, reporting one shard's sequence numbers to another.
 *
 * When every record fails, the utility throws (a function error: Lambda retries and bisects) unless
 * `throwOnFullBatchFailure` is false (every record is reported instead, and the retry is the same batch).
 *
 * @example
 * return reportRecordFailures(event, context, (record) => failed.get(record.kinesis.sequenceNumber));
 */
export function reportRecordFailures(
  event: KinesisStreamEvent,
  context: Context,
  failureOf: (record: KinesisStreamRecord) => Error | undefined,
  options: { throwOnFullBatchFailure?: boolean } = {},
): Promise<PartialItemFailureResponse> {
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  const recordHandler = async (record: KinesisStreamRecord): Promise<void> => {
    const error = failureOf(record);
    if (error) throw error;
  };
  return processPartialResponse(event, recordHandler, processor, {
    context,
    processInParallel: false,
    ...options,
  });
}
