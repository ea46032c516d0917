import type { BatchRunnerDependencies } from './batchRunner.ts';
import { discarder } from './discard.ts';
import type { EventShaper } from './invokeBatch.ts';
import type { MappingRuntime } from './mappingRuntime.ts';
import type { ShardRecord } from './types.ts';

/**
 * Retry pacing of an enhanced fan-out mapping. Its records are pushed: there is no next poll to
 * wait for, and Lambda retries such a batch soon after the failure (the wait is undocumented).
 * The first retry comes after 100 ms; a batch that keeps failing backs off to one retry a second,
 * as a polling mapping at the default interval, rather than invoking in a tight loop.
 */
const PUSHED_RETRY = Object.freeze({ firstMs: 100, maxMs: 1000 });

/**
 * What the batch runner of one shard needs, from the mapping's runtime: its invoke, log, clock and
 * retry pacing, a discarder writing to the mapping's destination, and `complete`, which the shard
 * worker implements (it moves the checkpoint).
 *
 * @example
 * await runBatch(batch, batchDependencies(runtime, shardId, { event: batchEvent }, complete));
 */
export function batchDependencies(
  runtime: MappingRuntime,
  shardId: string,
  shaper: EventShaper,
  complete: (records: readonly ShardRecord[]) => Promise<void>,
): BatchRunnerDependencies {
  const common = {
    functionName: runtime.functionName,
    shardId,
    log: runtime.log,
    now: runtime.now,
    signal: runtime.signal,
    ...retryPacing(runtime),
  };
  return {
    ...common,
    invoke: runtime.invoke,
    reportBatchItemFailures: runtime.settings.reportBatchItemFailures,
    shaper,
    settings: runtime.settings,
    discard: discarder({
      ...common,
      functionArn: runtime.functionArn,
      streamArn: runtime.source.streamArn,
      destination: runtime.destination,
      eventOf: (records) => shaper.event(records),
      warn: runtime.warn,
    }),
    complete,
  };
}

/** A polling mapping retries at the shard's next poll; a pushed one soon, backing off (PUSHED_RETRY). */
function retryPacing(runtime: MappingRuntime): { retryDelayMs: number; maxRetryDelayMs: number } {
  if (runtime.consumer === undefined) {
    return { retryDelayMs: runtime.pollIntervalMs, maxRetryDelayMs: runtime.pollIntervalMs };
  }
  return { retryDelayMs: PUSHED_RETRY.firstMs, maxRetryDelayMs: PUSHED_RETRY.maxMs };
}
