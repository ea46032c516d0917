import type { BatchRunnerDependencies } from './batchRunner.ts';
import { discarder } from './discard.ts';
import type { EventShaper } from './invokeBatch.ts';
import type { MappingRuntime } from './mappingRuntime.ts';
import type { ShardRecord } from './types.ts';

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
    // Lambda retries a failed batch at the shard's next poll.
    retryDelayMs: runtime.pollIntervalMs,
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
