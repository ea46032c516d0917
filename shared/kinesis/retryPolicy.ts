/**
 * When and how long to wait before re-sending to Kinesis.
 * PutRecords reports per-entry failures only as these two codes; they are always worth a retry.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */
export const RETRYABLE_ENTRY_ERROR_CODES: readonly string[] = Object.freeze([
  'ProvisionedThroughputExceededException',
  'InternalFailure',
]);

/** Whole-call errors that a later attempt can fix (throttling, transient service or network trouble). */
export const RETRYABLE_CALL_ERROR_NAMES: readonly string[] = Object.freeze([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'KMSThrottlingException',
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 50,
  maxDelayMs: 2_000,
});

/**
 * True when a failed PutRecords call may succeed if sent again. KMS configuration errors,
 * validation errors, missing streams and access errors are final.
 */
export function isRetryableCallError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (RETRYABLE_CALL_ERROR_NAMES.includes(error.name)) return true;
  if (typeof code === 'string' && RETRYABLE_CALL_ERROR_NAMES.includes(code)) return true;
  const meta = error as { $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (meta.$retryable) return true;
  const status = meta.$metadata?.httpStatusCode;
  return status !== undefined && (status >= 500 || status === 429);
}

/**
 * "Full jitter" backoff: a uniformly random delay in [0, min(max, base * 2^retry)).
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 *
 * @param retry 1 for the first re-send, 2 for the second, ...
 */
export function fullJitterDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}
