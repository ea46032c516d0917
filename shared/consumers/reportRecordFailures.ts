import { BatchProcessor, EventType, FullBatchFailureError, processPartialResponse } from '@aws-lambda-powertools/batch';
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
 * The utility's `FullBatchFailureError` says only "See individual errors below" and keeps them in
 * `recordErrors`, which neither Lambda's error response nor its log shows (both carry the type and
 * the message). So the error thrown names each record and its error in its message (see
 * `describeRecordFailures`): what the Invoke API answers, the log and `npm run redrive` print.
 *
 * @example
 * return reportRecordFailures(event, context, (record) => failed.get(record.kinesis.sequenceNumber));
 */
export async function reportRecordFailures(
  event: KinesisStreamEvent,
  context: Context,
  failureOf: (record: KinesisStreamRecord) => Error | undefined,
  options: { throwOnFullBatchFailure?: boolean } = {},
): Promise<PartialItemFailureResponse> {
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  const failures: RecordFailure[] = [];
  const recordHandler = async (record: KinesisStreamRecord): Promise<void> => {
    const error = failureOf(record);
    if (!error) return;
    failures.push({ sequenceNumber: record.kinesis.sequenceNumber, error });
    throw error;
  };
  try {
    return await processPartialResponse(event, recordHandler, processor, {
      context,
      processInParallel: false,
      ...options,
    });
  } catch (error) {
    if (!(error instanceof FullBatchFailureError)) throw error;
    const described = new FullBatchFailureError(error.recordErrors);
    described.message = describeRecordFailures(failures);
    // The stack's first line is written when it is captured: capture it again with the new message.
    Error.captureStackTrace(described);
    throw described;
  }
}

/** A record reported failed, with its error. */
export interface RecordFailure {
  sequenceNumber: string;
  error: Error;
}

/** Distinct reasons named in full; records listed per reason. Beyond them, a count. */
const MAX_REASONS = 10;
const MAX_RECORDS_PER_REASON = 3;
const MAX_REASON_LENGTH = 500;

/**
 * The message of a whole-batch failure: Powertools' first sentence, then each distinct error with
 * the sequence numbers of the records that failed with it (the first few, then how many more), in
 * shard order. A batch of 500 records failing alike stays one line.
 *
 * @example
 * describeRecordFailures([{ sequenceNumber: '4965…01', error: new Error('not UTF-8 JSON: Unexpected end of JSON input') }]);
 * // 'All records failed processing. 4965…01: not UTF-8 JSON: Unexpected end of JSON input'
 */
export function describeRecordFailures(failures: readonly RecordFailure[]): string {
  const byReason = new Map<string, string[]>();
  for (const { sequenceNumber, error } of failures) {
    const reason = oneLine(error.message || error.name);
    const sequenceNumbers = byReason.get(reason);
    if (sequenceNumbers) sequenceNumbers.push(sequenceNumber);
    else byReason.set(reason, [sequenceNumber]);
  }
  const parts = [...byReason].slice(0, MAX_REASONS).map(([reason, sequenceNumbers]) => {
    const shown = sequenceNumbers.slice(0, MAX_RECORDS_PER_REASON).join(', ');
    const more = sequenceNumbers.length - MAX_RECORDS_PER_REASON;
    return `${shown}${more > 0 ? ` and ${more} more` : ''}: ${reason}`;
  });
  const otherReasons = byReason.size - MAX_REASONS;
  if (otherReasons > 0) parts.push(`and ${otherReasons} other errors`);
  return `All records failed processing. ${parts.join('; ')}`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH)}…` : line;
}
