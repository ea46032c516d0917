import type { ShardRecord } from './types.ts';

/** What a function's response means for the batch. */
export type BatchVerdict =
  | { kind: 'success'; detail?: string }
  /** Records before `failedIndex` succeeded; it and every record after it are to be retried. */
  | { kind: 'partial'; failedIndex: number }
  /** The whole batch failed: an invalid batch response (no function error). */
  | { kind: 'invalid'; detail: string };

/**
 * Reads a function's response as Lambda reads it for a Kinesis batch.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
 *
 * - Without `ReportBatchItemFailures` on the mapping, any response is a success: a returned list is
 *   ignored and its records are lost.
 * - Complete success: `undefined`, `null`, `{}`, `""`, `[]`, `{ batchItemFailures: [] }`,
 *   `{ batchItemFailures: null }`, and an object without `batchItemFailures`.
 * - Complete failure: an entry whose `itemIdentifier` is empty, null, missing (a wrong key name) or
 *   not a string, and (undocumented, the stricter reading) a sequence number not in the batch. A
 *   `batchItemFailures` that is not a list, or a response that is neither an object nor one of the
 *   empty forms above (`"ok"`, `42`, `[1]`), is undocumented as well and also counts as a failure.
 * - Otherwise Lambda checkpoints before the lowest reported sequence number (compared as BigInt)
 *   and retries from there, including records after it that succeeded.
 *
 * @example
 * judgeResponse({ batchItemFailures: [{ itemIdentifier: records[3].sequenceNumber }] }, records, true);
 * // { kind: 'partial', failedIndex: 3 }
 */
export function judgeResponse(
  response: unknown,
  records: readonly ShardRecord[],
  reportBatchItemFailures: boolean,
): BatchVerdict {
  const failures = batchItemFailuresOf(response);
  if (!reportBatchItemFailures) {
    const ignored = Array.isArray(failures) && failures.length > 0;
    return ignored
      ? { kind: 'success', detail: 'batchItemFailures ignored: ReportBatchItemFailures is off' }
      : { kind: 'success' };
  }
  if (failures === NOT_A_RESPONSE_OBJECT) return { kind: 'invalid', detail: `invalid response ${preview(response)}` };
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'invalid', detail: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  return lowestFailure(failures, records);
}

const NOT_A_RESPONSE_OBJECT = Symbol('not a response object');

function batchItemFailuresOf(response: unknown): unknown {
  if (response === undefined || response === null || response === '') return undefined;
  if (Array.isArray(response)) return response.length === 0 ? undefined : NOT_A_RESPONSE_OBJECT;
  if (typeof response !== 'object') return NOT_A_RESPONSE_OBJECT;
  return (response as Record<string, unknown>).batchItemFailures;
}

function lowestFailure(failures: readonly unknown[], records: readonly ShardRecord[]): BatchVerdict {
  const indexBySequence = new Map(records.map((record, index) => [BigInt(record.sequenceNumber), index]));
  let lowest: bigint | undefined;
  for (const failure of failures) {
    const id =
      failure !== null && typeof failure === 'object' ? (failure as Record<string, unknown>).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '')
      return { kind: 'invalid', detail: `invalid batch item failure ${preview(failure)}` };
    const sequence = toSequence(id);
    if (sequence === undefined || !indexBySequence.has(sequence)) {
      return { kind: 'invalid', detail: `itemIdentifier ${preview(id)} is not a sequence number of this batch` };
    }
    if (lowest === undefined || sequence < lowest) lowest = sequence;
  }
  return { kind: 'partial', failedIndex: indexBySequence.get(lowest as bigint) ?? 0 };
}

function toSequence(id: string): bigint | undefined {
  return /^\d+$/.test(id) ? BigInt(id) : undefined;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
