import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineExceededError } from './errors.ts';

export interface PollOptions {
  /** What is awaited, for the timeout message ("stream orders ACTIVE"). */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Stops polling at once; the signal's reason is thrown. */
  signal?: AbortSignal;
}

/**
 * Calls `probe` until it returns something other than `undefined`, and returns that. A probe that
 * throws counts as "not yet"; its last error becomes the `cause` of the timeout error.
 *
 * @example
 * const table = await pollUntil(
 *   async () => ((await describe()).Table?.TableStatus === 'ACTIVE' ? true : undefined),
 *   { what: 'table ACTIVE', timeoutMs: 10_000 },
 * );
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const { what, timeoutMs, intervalMs = 50, signal } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      signal?.throwIfAborted();
      lastError = error;
    }
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) {
      throw new DeadlineExceededError(`${what}: not reached within ${timeoutMs} ms`, { cause: lastError });
    }
    // The timer's own AbortError says less than the caller's reason, so rethrow the reason.
    await sleep(Math.min(intervalMs, remainingMs), undefined, { signal }).catch(() => signal?.throwIfAborted());
  }
}
