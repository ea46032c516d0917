import type { InvokeResult } from '../lambda/types.ts';
import { type BatchVerdict, judgeResponse } from './batchResponse.ts';
import type { InvokeFailure } from './failureRecord.ts';
import type { InvocationLogLine, InvocationOutcome, ShardRecord } from './types.ts';

/** Builds the invocation event of some records and reads the response beyond the batch-failure rules. */
export interface EventShaper {
  event(records: readonly ShardRecord[]): unknown;
  /** Why a response counts as a failure anyway (tumbling windows: no `state`), or undefined. */
  reject?(response: unknown): string | undefined;
  /** Takes what the function returned on a success or partial success (tumbling windows: the state). */
  accept?(response: unknown): void;
}

export interface InvokeDependencies {
  invoke: (event: unknown) => Promise<InvokeResult>;
  log: (line: InvocationLogLine) => void;
  functionName: string;
  shardId: string;
  reportBatchItemFailures: boolean;
  shaper: EventShaper;
}

/** One invoke, judged. */
export type Attempt = { requestId: string } & (
  | Exclude<BatchVerdict, { kind: 'invalid' }>
  | { kind: 'failed'; functionError: InvokeFailure['functionError'] }
);

/**
 * Invokes the function once with these records, logs one line, and says what the outcome means.
 * A thrown error and a timeout are function errors (`Unhandled`, as Lambda reports a timeout too);
 * an invalid batch response is a failure without a function error.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-errors.html
 *
 * @example
 * const attempt = await invokeBatch(records, dependencies);
 * if (attempt.kind === 'partial') retryFrom(attempt.failedIndex);
 */
export async function invokeBatch(records: readonly ShardRecord[], dependencies: InvokeDependencies): Promise<Attempt> {
  const { shaper } = dependencies;
  const result = await dependencies.invoke(shaper.event(records));
  const line = (outcome: InvocationOutcome, detail?: string) =>
    dependencies.log({
      functionName: dependencies.functionName,
      shardId: dependencies.shardId,
      batchSize: records.length,
      durationMs: result.durationMs,
      outcome,
      ...(detail === undefined ? {} : { detail }),
    });
  if (!result.ok) {
    const { errorType, errorMessage, timedOut } = result.error;
    line(timedOut ? 'timeout' : 'error', `${errorType}: ${errorMessage}`);
    return { kind: 'failed', requestId: result.requestId, functionError: 'Unhandled' };
  }
  const rejection = shaper.reject?.(result.response);
  const verdict: BatchVerdict =
    rejection === undefined
      ? judgeResponse(result.response, records, dependencies.reportBatchItemFailures)
      : { kind: 'invalid', detail: rejection };
  if (verdict.kind === 'invalid') {
    line('error', verdict.detail);
    return { kind: 'failed', requestId: result.requestId, functionError: null };
  }
  shaper.accept?.(result.response);
  if (verdict.kind === 'partial') {
    line('partial', `retrying from ${records[verdict.failedIndex]?.sequenceNumber}`);
  } else {
    line('ok', verdict.detail);
  }
  return { ...verdict, requestId: result.requestId };
}
