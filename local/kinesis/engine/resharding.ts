import type * as K from '@aws-sdk/client-kinesis';
import { streamArn } from './arns.ts';
import { activeStream, type EngineState, markUpdating } from './engineState.ts';
import { invalidArgument, limitExceeded, resourceInUse, resourceNotFound } from './errors.ts';
import { evenHashRanges } from './hashKeys.ts';
import { ACCOUNT_SHARD_LIMIT } from './limits.ts';
import { isOpen, type ShardMeta } from './model.ts';
import { adjacent, mergePair, splitAt } from './shardLayout.ts';
import { accountOpenShards } from './streamLifecycle.ts';
import type { StreamRuntime } from './streamRuntime.ts';

/**
 * SplitShard, MergeShards and UpdateShardCount. Each runs alone against appends (the reshard
 * gate), closes parents at their last record, opens children, and leaves the stream UPDATING for
 * the state-change time. Writes keep flowing: they wait for the change, then go to the children.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SplitShard.html
 */

function provisioned(runtime: StreamRuntime, action: string): void {
  if (runtime.meta.mode !== 'PROVISIONED') {
    throw invalidArgument(`${action} is not supported for ON_DEMAND stream ${runtime.meta.name}.`);
  }
}

function openShard(state: EngineState, runtime: StreamRuntime, shardId: string, action: string): ShardMeta {
  const shard = runtime.shard(shardId);
  const where = `in stream ${runtime.meta.name} under account ${state.ctx.accountId}`;
  if (!shard) throw resourceNotFound(`Could not find shard ${shardId} ${where}.`);
  if (!isOpen(shard)) {
    throw resourceInUse(
      `Shard ${shardId} ${where} has already been merged or split, and thus is not eligible for ${action}.`,
    );
  }
  return shard;
}

/**
 * Changes the layout and saves it before any append may use it: a record acknowledged on a child
 * shard whose existence was not yet on disk would be lost by a crash (the old layout comes back,
 * and the child's index is handed out again). If the save fails, the old layout is restored.
 */
async function changeLayout(state: EngineState, runtime: StreamRuntime, change: (now: number) => void): Promise<void> {
  await runtime.gate.exclusiveRun(async () => {
    const { meta } = runtime;
    const openBefore = meta.shards.filter(isOpen);
    const nextShardIndex = meta.nextShardIndex;
    const updatingUntilMs = meta.updatingUntilMs;
    change(state.ctx.now());
    markUpdating(state, runtime);
    try {
      await state.registry.save();
    } catch (error) {
      meta.shards = meta.shards.filter((shard) => shard.index < nextShardIndex);
      for (const shard of openBefore) {
        delete shard.closedMs;
        delete shard.endPosition;
      }
      meta.nextShardIndex = nextShardIndex;
      if (updatingUntilMs === undefined) delete meta.updatingUntilMs;
      else meta.updatingUntilMs = updatingUntilMs;
      runtime.reindex();
      throw error;
    }
  });
  // Subscribers of the closed parents wake up to deliver their last event with ChildShards.
  runtime.notifier.notifyAll();
}

export async function splitShard(state: EngineState, input: K.SplitShardInput): Promise<Record<string, never>> {
  const runtime = activeStream(state, input);
  provisioned(runtime, 'SplitShard');
  const shard = openShard(state, runtime, input.ShardToSplit ?? '', 'splitting');
  const key = BigInt(input.NewStartingHashKey ?? '0');
  const start = BigInt(shard.startingHashKey);
  const end = BigInt(shard.endingHashKey);
  if (key <= start + 1n || key >= end) {
    throw invalidArgument(
      `NewStartingHashKey ${key} used in SplitShard() on shard ${shard.shardId} in stream ${runtime.meta.name} under account ${state.ctx.accountId} is not both greater than one plus the shard's StartingHashKey ${start} and less than the shard's EndingHashKey ${end}.`,
    );
  }
  if (accountOpenShards(state) + 1 > ACCOUNT_SHARD_LIMIT) {
    throw limitExceeded(`This request would exceed the shard limit for the account ${state.ctx.accountId}.`);
  }
  await changeLayout(state, runtime, (now) => splitAt(runtime, shard, key, now));
  return {};
}

export async function mergeShards(state: EngineState, input: K.MergeShardsInput): Promise<Record<string, never>> {
  const runtime = activeStream(state, input);
  provisioned(runtime, 'MergeShards');
  const shard = openShard(state, runtime, input.ShardToMerge ?? '', 'merging');
  const other = openShard(state, runtime, input.AdjacentShardToMerge ?? '', 'merging');
  if (shard === other || !adjacent(shard, other)) {
    throw invalidArgument(
      `Shards ${shard.shardId} and ${other.shardId} in stream ${runtime.meta.name} under account ${state.ctx.accountId} are not an adjacent pair of shards eligible for merging`,
    );
  }
  await changeLayout(state, runtime, (now) => mergePair(runtime, shard, other, now));
  return {};
}

/**
 * Uniform scaling the way AWS does it: splits and merges (intermediate shards included) until the
 * open shards are `target` even ranges. Split every open shard at each target boundary inside
 * it, then merge the pieces of each target range left to right; every child so has at most two
 * parents, and a reader that finishes parents before children keeps per-key order.
 */
function scaleUniformly(runtime: StreamRuntime, target: number, now: number): void {
  const ranges = evenHashRanges(target);
  for (const boundary of ranges.slice(1).map((r) => r.start)) {
    const shard = runtime.route(boundary.toString(16).padStart(32, '0'));
    if (BigInt(shard.startingHashKey) !== boundary) splitAt(runtime, shard, boundary, now);
  }
  for (const range of ranges) {
    const pieces = runtime.meta.shards
      .filter((s) => isOpen(s) && BigInt(s.startingHashKey) >= range.start && BigInt(s.endingHashKey) <= range.end)
      .sort((a, b) => (BigInt(a.startingHashKey) < BigInt(b.startingHashKey) ? -1 : 1));
    let merged = pieces[0];
    for (const piece of pieces.slice(1)) if (merged) merged = mergePair(runtime, merged, piece, now);
  }
}

export async function updateShardCount(
  state: EngineState,
  input: K.UpdateShardCountInput,
): Promise<K.UpdateShardCountOutput> {
  const runtime = activeStream(state, input);
  provisioned(runtime, 'UpdateShardCount');
  if (input.ScalingType !== 'UNIFORM_SCALING') throw invalidArgument('ScalingType must be UNIFORM_SCALING.');
  const current = runtime.openShardCount();
  const target = input.TargetShardCount ?? 0;
  const where = `for stream ${runtime.meta.name} under account ${state.ctx.accountId}`;
  if (target > current * 2) {
    throw limitExceeded(
      `UpdateShardCount failed ${where}: the target shard count ${target} is more than double the current ${current}.`,
    );
  }
  if (target < Math.ceil(current / 2)) {
    throw limitExceeded(
      `UpdateShardCount failed ${where}: the target shard count ${target} is less than half the current ${current}.`,
    );
  }
  if (accountOpenShards(state) - current + target > ACCOUNT_SHARD_LIMIT) {
    throw limitExceeded(`This request would exceed the shard limit for the account ${state.ctx.accountId}.`);
  }
  if (target !== current) await changeLayout(state, runtime, (now) => scaleUniformly(runtime, target, now));
  return {
    StreamName: runtime.meta.name,
    StreamARN: streamArn(state.ctx, runtime.meta.name),
    CurrentShardCount: current,
    TargetShardCount: target,
  };
}
