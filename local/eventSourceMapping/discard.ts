import type { DiscardReason } from './batchRunner.ts';
import type { FailureDestination } from './destinations.ts';
import { failureRecord } from './failureRecord.ts';
import type { InvocationLogLine, ShardRecord } from './types.ts';
import { pause } from './wakeup.ts';

export interface DiscardDependencies {
  functionName: string;
  functionArn: string;
  streamArn: string;
  shardId: string;
  destination: FailureDestination | undefined;
  /** The invocation event of the records, for the S3 `payload`. */
  eventOf: (records: readonly ShardRecord[]) => unknown;
  log: (line: InvocationLogLine) => void;
  warn: (message: string) => void;
  now: () => number;
  signal: AbortSignal;
  retryDelayMs: number;
}

/** Longest wait between two attempts to write a failure record. */
const MAX_DESTINATION_BACKOFF_MS = 30_000;

/**
 * Sends discarded records' failure record to the destination and logs the discard. A write that
 * fails is retried with backoff until it succeeds or the mapping stops: the checkpoint only moves
 * past the records once their failure record is written, so a broken destination never loses them.
 * Resolves false when the mapping stopped first.
 *
 * @example
 * const discard = discarder(dependencies);
 * await discard(records, { condition: 'RecordAgeExceeded', approximateInvokeCount: 0 });
 */
export function discarder(dependencies: DiscardDependencies) {
  return async (records: readonly ShardRecord[], reason: DiscardReason): Promise<boolean> => {
    const record = failureRecord(records, {
      ...reason,
      functionArn: dependencies.functionArn,
      streamArn: dependencies.streamArn,
      nowMs: dependencies.now(),
    });
    dependencies.log({
      functionName: dependencies.functionName,
      shardId: dependencies.shardId,
      batchSize: records.length,
      durationMs: 0,
      outcome: 'discarded',
      detail: `${reason.condition} after ${reason.approximateInvokeCount} invoke(s)`,
    });
    const { destination } = dependencies;
    if (destination === undefined) return true;
    for (let attempt = 1; !dependencies.signal.aborted; attempt++) {
      try {
        await destination(record, dependencies.eventOf(records));
        return true;
      } catch (error) {
        dependencies.warn(`writing a failure record for ${dependencies.shardId} failed (attempt ${attempt}): ${error}`);
        const backoffMs = Math.min(dependencies.retryDelayMs * 2 ** attempt, MAX_DESTINATION_BACKOFF_MS);
        await pause(backoffMs, dependencies.signal);
      }
    }
    return false;
  };
}
