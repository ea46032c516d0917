import { deliverEvent } from '../redrive/deliverEvent.ts';
import type { PipelineTarget } from '../redrive/pipelineTarget.ts';
import type { ShardReplay } from './replayBatches.ts';

export interface ShardOutcome {
  shardId: string;
  delivered: number;
  invocations: number;
  /**
   * Why the shard stopped early, with the first record not delivered; `why` is the function's own
   * error for that record, when the answer only named it (see `deliverEvent`).
   */
  stopped?: { reason: string; atSequence: string; why?: string };
}

/**
 * Invokes the target's function with each shard's events, one invocation at a time per shard (as
 * the event source mapping does: the aggregate watermark relies on it) and shards side by side. A
 * shard stops at its first failed invocation: delivering later records first would move the
 * aggregate watermark past the failed ones, which then would never count.
 *
 * @example
 * const outcomes = await deliverReplay(replayBatches(lines, source, 500), target);
 */
export async function deliverReplay(
  shards: readonly ShardReplay[],
  target: Pick<PipelineTarget, 'lambda' | 'functionName'>,
): Promise<ShardOutcome[]> {
  return Promise.all(
    shards.map(async (shard): Promise<ShardOutcome> => {
      const outcome: ShardOutcome = { shardId: shard.shardId, delivered: 0, invocations: 0 };
      for (const event of shard.events) {
        const result = await deliverEvent(target.lambda, target.functionName, event);
        outcome.invocations += 1;
        if (!result.ok) {
          // The first failed record in the shard's order (the response may list them in any order).
          const failed = new Set(result.failedSequenceNumbers);
          const firstFailed = event.Records.findIndex((record) => failed.has(record.kinesis.sequenceNumber));
          const stopAt = Math.max(0, firstFailed);
          outcome.delivered += stopAt;
          outcome.stopped = {
            reason: result.reason,
            atSequence: event.Records[stopAt]?.kinesis.sequenceNumber ?? '',
            ...(result.why === undefined ? {} : { why: result.why }),
          };
          return outcome;
        }
        outcome.delivered += event.Records.length;
      }
      return outcome;
    }),
  );
}
