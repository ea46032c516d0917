import { isOversized } from './event.ts';
import type { InvokeFailure } from './failureRecord.ts';
import { type Attempt, type InvokeDependencies, invokeBatch } from './invokeBatch.ts';
import type { MappingSettings } from './settings.ts';
import type { DiscardCondition, ShardRecord } from './types.ts';
import { pause } from './wakeup.ts';

/** How discarded records failed, for their failure record. */
export interface DiscardReason {
  condition: DiscardCondition;
  approximateInvokeCount: number;
  lastInvoke?: InvokeFailure;
}

export interface BatchRunnerDependencies extends InvokeDependencies {
  settings: MappingSettings;
  now: () => number;
  /** Stop: no new invoke starts once it aborts; the records left are not done. */
  signal: AbortSignal;
  /** The wait before a batch's first retry; each further retry of it waits twice as long, up to `maxRetryDelayMs`. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** Writes the failure record; false when the mapping stopped before it could. */
  discard(records: readonly ShardRecord[], reason: DiscardReason): Promise<boolean>;
  /** The records are done (delivered, or discarded): move the checkpoint past them. */
  complete(records: readonly ShardRecord[]): Promise<void>;
}

/** A part of the batch still to deliver, with the invokes and retries spent on it. */
interface Piece {
  records: ShardRecord[];
  invokes: number;
  retries: number;
}

/**
 * Delivers one batch with Lambda's error handling for stream sources, in record order:
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
 *
 * - Before every invoke, records older than MaximumRecordAgeInSeconds are discarded, but only the
 *   expired prefix of the batch (condition RecordAgeExceeded).
 * - A record whose event alone is over 6 MB can never be invoked: it goes straight to the
 *   destination (undocumented condition; RetryAttemptsExhausted with no invoke and no responseContext).
 * - A function error, a timeout or an invalid batch response fails the whole batch. With
 *   BisectBatchOnFunctionError it is split in halves, first half first, without using a retry.
 * - A partial batch response checkpoints before the lowest failed record and retries from it,
 *   records after it included; without bisect that retry counts against MaximumRetryAttempts.
 *   With bisect the batch is split at that record instead (no retry used); when it is the first
 *   record there is nothing to split off, so the batch is treated as failed whole (halved).
 * - When retries run out (-1: never) the records go to the destination (RetryAttemptsExhausted,
 *   approximateInvokeCount = retries + 1) and the mapping moves past them.
 *
 * Retries wait `retryDelayMs`, doubling up to `maxRetryDelayMs` (see batchDependencies.ts): a polling
 * mapping retries at the shard's next poll, an enhanced fan-out one soon after the failure.
 *
 * @example
 * await runBatch(records, dependencies); // resolves once every record is done, or the mapping stopped
 */
export async function runBatch(records: readonly ShardRecord[], dependencies: BatchRunnerDependencies): Promise<void> {
  const pieces: Piece[] = [{ records: [...records], invokes: 0, retries: 0 }];
  while (!dependencies.signal.aborted) {
    const piece = pieces[0];
    if (piece === undefined) return;
    if (piece.records.length === 0) {
      pieces.shift();
      continue;
    }
    if (!(await dropExpiredPrefix(piece, dependencies))) return;
    if (piece.records.length === 0) continue;
    if (piece.records.length === 1 && isOversized(piece.records[0] as ShardRecord)) {
      const reason: DiscardReason = { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 0 };
      if (!(await discardAndComplete(piece.records, reason, dependencies))) return;
      pieces.shift();
      continue;
    }
    const attempt = await invokeBatch(piece.records, dependencies);
    piece.invokes += 1;
    if (!(await settle(pieces, piece, attempt, dependencies))) return;
  }
}

/** Applies one attempt's outcome to the queue of pieces; false when the mapping stopped meanwhile. */
async function settle(
  pieces: Piece[],
  piece: Piece,
  attempt: Attempt,
  dependencies: BatchRunnerDependencies,
): Promise<boolean> {
  const { bisect } = dependencies.settings;
  if (attempt.kind === 'success') {
    await dependencies.complete(piece.records);
    pieces.shift();
    return true;
  }
  if (attempt.kind === 'partial' && attempt.failedIndex > 0) {
    await dependencies.complete(piece.records.slice(0, attempt.failedIndex));
    const rest = piece.records.slice(attempt.failedIndex);
    if (bisect) {
      pieces[0] = { records: rest, invokes: 0, retries: 0 };
      return true;
    }
    piece.records = rest;
    return retryOrDiscard(pieces, piece, { requestId: attempt.requestId, functionError: null }, dependencies);
  }
  const failure: InvokeFailure = {
    requestId: attempt.requestId,
    functionError: attempt.kind === 'failed' ? attempt.functionError : null,
  };
  if (bisect && piece.records.length > 1) {
    const half = Math.ceil(piece.records.length / 2);
    pieces.splice(
      0,
      1,
      { records: piece.records.slice(0, half), invokes: 0, retries: 0 },
      { records: piece.records.slice(half), invokes: 0, retries: 0 },
    );
    return true;
  }
  return retryOrDiscard(pieces, piece, failure, dependencies);
}

async function retryOrDiscard(
  pieces: Piece[],
  piece: Piece,
  failure: InvokeFailure,
  dependencies: BatchRunnerDependencies,
): Promise<boolean> {
  const { maxRetries } = dependencies.settings;
  if (maxRetries === -1 || piece.retries < maxRetries) {
    piece.retries += 1;
    await pause(retryDelayMs(piece.retries, dependencies), dependencies.signal);
    return true;
  }
  const reason: DiscardReason = {
    condition: 'RetryAttemptsExhausted',
    approximateInvokeCount: piece.invokes,
    lastInvoke: failure,
  };
  if (!(await discardAndComplete(piece.records, reason, dependencies))) return false;
  pieces.shift();
  return true;
}

/** Discards the leading records older than MaximumRecordAgeInSeconds; false when stopped meanwhile. */
async function dropExpiredPrefix(piece: Piece, dependencies: BatchRunnerDependencies): Promise<boolean> {
  const { maxRecordAgeMs } = dependencies.settings;
  if (maxRecordAgeMs === -1) return true;
  const oldestAllowed = dependencies.now() - maxRecordAgeMs;
  const expired = piece.records.findIndex((record) => record.arrivalMs >= oldestAllowed);
  const count = expired === -1 ? piece.records.length : expired;
  if (count === 0) return true;
  const reason: DiscardReason = { condition: 'RecordAgeExceeded', approximateInvokeCount: piece.invokes };
  if (!(await discardAndComplete(piece.records.slice(0, count), reason, dependencies))) return false;
  piece.records = piece.records.slice(count);
  return true;
}

async function discardAndComplete(
  records: readonly ShardRecord[],
  reason: DiscardReason,
  dependencies: BatchRunnerDependencies,
): Promise<boolean> {
  if (!(await dependencies.discard(records, reason))) return false;
  await dependencies.complete(records);
  return true;
}

/**
 * The wait before the `retry`th retry (from 1) of the same records: `retryDelayMs`, doubling with
 * each retry up to `maxRetryDelayMs`. Equal values give a fixed wait.
 *
 * @example
 * retryDelayMs(3, { retryDelayMs: 100, maxRetryDelayMs: 1000 }); // 400
 */
export function retryDelayMs(
  retry: number,
  pacing: Pick<BatchRunnerDependencies, 'retryDelayMs' | 'maxRetryDelayMs'>,
): number {
  return Math.min(pacing.maxRetryDelayMs, pacing.retryDelayMs * 2 ** Math.max(0, retry - 1));
}
