import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { OutgoingRecord } from './packRecords.ts';
import type { ProduceStats, PutOutcome, PutRecordsSender } from './producer.ts';
import type { RetryPolicy } from './retryPolicy.ts';

export interface BatchContext {
  client: PutRecordsSender;
  streamName: string;
  retry: RetryPolicy;
  deadline: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  delayFor: (retry: number) => number;
  isRetryableCallError: (error: unknown) => boolean;
  stats: ProduceStats;
}

interface PendingFailure {
  code: string;
  error: string;
  retryable: boolean;
  /** Some attempt ended without Kinesis saying it failed (no answer, or a 5xx): it may be written. */
  maybeWritten: boolean;
}

const THROTTLED = 'ProvisionedThroughputExceededException';

/**
 * Sends one packed batch and re-sends exactly its failed entries (PutRecords returns HTTP 200
 * with per-entry `ErrorCode`s; the SDK only retries whole-call errors, and we own those too).
 */
export async function sendWithRetries(batch: OutgoingRecord[], ctx: BatchContext): Promise<PutOutcome[]> {
  const outcomes: PutOutcome[] = [];
  let pending = batch;
  const failures = new Map<number, PendingFailure>();
  for (let attempt = 1; ; attempt++) {
    const still = await sendOnce(pending, ctx, outcomes, failures);
    if (still.length === 0) return outcomes;
    const final = still.filter((r) => !failures.get(r.index)?.retryable);
    for (const record of final) outcomes.push(failedOutcome(record.index, failures));
    pending = still.filter((r) => failures.get(r.index)?.retryable);
    if (pending.length === 0) return outcomes;
    const delay = ctx.delayFor(attempt);
    if (attempt >= ctx.retry.maxAttempts || ctx.now() + delay >= ctx.deadline) {
      for (const record of pending) outcomes.push(failedOutcome(record.index, failures));
      return outcomes;
    }
    await ctx.sleep(delay);
    ctx.stats.retriedEntries += pending.length;
  }
}

/** One PutRecords call. Pushes accepted outcomes, records failures, returns the records not accepted. */
async function sendOnce(
  records: OutgoingRecord[],
  ctx: BatchContext,
  outcomes: PutOutcome[],
  failures: Map<number, PendingFailure>,
): Promise<OutgoingRecord[]> {
  ctx.stats.putRecordsCalls++;
  // A call still hanging at the deadline is abandoned and its records reported failed (retryable):
  // answering the producer in time beats a Lambda timeout that tells it nothing.
  const remaining = ctx.deadline - ctx.now();
  const sendOptions = Number.isFinite(remaining)
    ? { abortSignal: AbortSignal.timeout(Math.max(1, remaining)) }
    : undefined;
  let result: Awaited<ReturnType<PutRecordsSender['send']>>;
  try {
    result = await ctx.client.send(
      new PutRecordsCommand({
        StreamName: ctx.streamName,
        Records: records.map((r) => ({
          Data: r.data,
          PartitionKey: r.partitionKey,
          ExplicitHashKey: r.explicitHashKey,
        })),
      }),
      sendOptions,
    );
  } catch (error) {
    const failure = callFailure(error, ctx);
    for (const record of records) {
      const maybeWritten = failure.maybeWritten || (failures.get(record.index)?.maybeWritten ?? false);
      failures.set(record.index, { ...failure, maybeWritten });
    }
    return records;
  }
  const entries = result.Records ?? [];
  const notAccepted: OutgoingRecord[] = [];
  records.forEach((record, i) => {
    const entry = entries[i];
    if (entry?.SequenceNumber && entry.ShardId) {
      outcomes.push({
        index: record.index,
        status: 'accepted',
        sequenceNumber: entry.SequenceNumber,
        shardId: entry.ShardId,
      });
      return;
    }
    if (entry?.ErrorCode === THROTTLED) ctx.stats.throttledEntries++;
    // An entry without a sequence number is a failure whatever else it says (the results array
    // must match the request one to one; a short one is treated as failed, and retried).
    failures.set(record.index, {
      code: entry?.ErrorCode ?? 'MissingResult',
      error: entry?.ErrorMessage ?? 'Kinesis returned no sequence number for this record',
      retryable: true,
      maybeWritten: failures.get(record.index)?.maybeWritten ?? false,
    });
    notAccepted.push(record);
  });
  return notAccepted;
}

/**
 * A call Kinesis answered with a 4xx wrote nothing. One abandoned at the deadline, cut by the
 * network, or answered with a 5xx may have been written all the same.
 */
function callFailure(error: unknown, ctx: BatchContext): PendingFailure {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const maybeWritten = status === undefined || status >= 500;
  return { code: name, error: message, retryable: ctx.isRetryableCallError(error), maybeWritten };
}

function failedOutcome(index: number, failures: Map<number, PendingFailure>): PutOutcome {
  const failure = failures.get(index) ?? {
    code: 'Unknown',
    error: 'not written',
    retryable: true,
    maybeWritten: false,
  };
  return { index, status: 'failed', ...failure };
}
