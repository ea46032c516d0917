import { randomUUID } from 'node:crypto';
import type { DiscardCondition, FailureRecord, ShardRecord } from './types.ts';

/** How the discarded records failed, when an invoke was made for them. */
export interface InvokeFailure {
  requestId: string;
  /** 'Unhandled' when the function threw or timed out; null when it returned an invalid batch response. */
  functionError: 'Unhandled' | null;
}

export interface DiscardContext {
  functionArn: string;
  streamArn: string;
  condition: DiscardCondition;
  /** Invokes made with these records; with a partial or bisected retry, those of the last piece. */
  approximateInvokeCount: number;
  /** Absent when no invoke was made (an expired record, a record too large to invoke). */
  lastInvoke?: InvokeFailure;
  nowMs: number;
}

/**
 * The record Lambda sends to the on-failure destination, covering exactly the discarded records.
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
 *
 * @example
 * const failure = failureRecord(discarded, {
 *   functionArn, streamArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3,
 *   lastInvoke: { requestId, functionError: 'Unhandled' }, nowMs: Date.now(),
 * });
 */
export function failureRecord(records: readonly ShardRecord[], context: DiscardContext): FailureRecord {
  const first = records[0];
  const last = records.at(-1);
  if (first === undefined || last === undefined) throw new Error('a failure record covers at least one record');
  return {
    requestContext: {
      requestId: context.lastInvoke?.requestId ?? randomUUID(),
      functionArn: context.functionArn,
      condition: context.condition,
      approximateInvokeCount: context.approximateInvokeCount,
    },
    // Lambda reports the invoke itself as a 200 whatever the function did; the function's failure
    // is in functionError.
    ...(context.lastInvoke === undefined
      ? {}
      : {
          responseContext: {
            statusCode: 200,
            executedVersion: '$LATEST',
            functionError: context.lastInvoke.functionError,
          },
        }),
    version: '1.0',
    timestamp: new Date(context.nowMs).toISOString(),
    KinesisBatchInfo: {
      shardId: first.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.arrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.arrivalMs).toISOString(),
      batchSize: records.length,
      streamArn: context.streamArn,
    },
  };
}
