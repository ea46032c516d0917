import type * as K from '@aws-sdk/client-kinesis';
import type { EngineState } from './engineState.ts';
import { activeStream } from './engineState.ts';
import { invalidArgument, limitExceeded, resourceInUse } from './errors.ts';
import { evenHashRanges, hashKeyHex } from './hashKeys.ts';
import {
  ACCOUNT_SHARD_LIMIT,
  DEFAULT_MAX_RECORD_KIB,
  DEFAULT_RETENTION_HOURS,
  MAX_RECORD_KIB,
  ON_DEMAND_SHARDS,
  ON_DEMAND_STREAM_LIMIT,
} from './limits.ts';
import { type ShardMeta, type StreamMeta, shardIdOf } from './model.ts';
import { checkTagCount } from './tags.ts';

/** Open shards of every stream of the account (the account shard quota counts them). */
export function accountOpenShards(state: EngineState): number {
  return state.registry.list().reduce((sum, runtime) => sum + runtime.openShardCount(), 0);
}

/**
 * CreateStream: PROVISIONED with ShardCount, or ON_DEMAND with 4 shards; CREATING for the
 * state-change time, then ACTIVE.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html
 */
export async function createStream(state: EngineState, input: K.CreateStreamInput): Promise<Record<string, never>> {
  const name = input.StreamName ?? '';
  const mode = input.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
  let shardCount = ON_DEMAND_SHARDS;
  if (mode === 'PROVISIONED') {
    if (input.ShardCount === undefined) throw invalidArgument('ShardCount is required for PROVISIONED streams.');
    shardCount = input.ShardCount;
  } else if (state.registry.list().filter((r) => r.meta.mode === 'ON_DEMAND').length >= ON_DEMAND_STREAM_LIMIT) {
    throw limitExceeded(`This request would exceed the on-demand stream limit of ${ON_DEMAND_STREAM_LIMIT}.`);
  }
  if (!Number.isInteger(shardCount) || shardCount < 1) throw invalidArgument('ShardCount must be at least 1.');
  const open = accountOpenShards(state);
  if (open + shardCount > ACCOUNT_SHARD_LIMIT) {
    throw limitExceeded(
      `This request would exceed the shard limit for the account ${state.ctx.accountId} in ${state.ctx.region}. Current shard count for the account: ${open}. Limit: ${ACCOUNT_SHARD_LIMIT}. Number of additional shards that would have resulted from this request: ${shardCount}.`,
    );
  }
  const maxRecordSizeKiB = input.MaxRecordSizeInKiB ?? DEFAULT_MAX_RECORD_KIB;
  if (maxRecordSizeKiB < DEFAULT_MAX_RECORD_KIB || maxRecordSizeKiB > MAX_RECORD_KIB) {
    throw invalidArgument(`MaxRecordSizeInKiB must be between ${DEFAULT_MAX_RECORD_KIB} and ${MAX_RECORD_KIB}.`);
  }
  const tags = { ...(input.Tags ?? {}) };
  checkTagCount(name, tags, state.ctx.accountId);
  if (state.registry.find(name)) {
    throw resourceInUse(`Stream ${name} under account ${state.ctx.accountId} already exists.`);
  }
  const now = state.ctx.now();
  const shards: ShardMeta[] = evenHashRanges(shardCount).map((range, index) => ({
    shardId: shardIdOf(index),
    index,
    startingHashKey: range.start.toString(),
    endingHashKey: range.end.toString(),
    startHex: hashKeyHex(range.start),
    createdMs: now,
  }));
  const meta: StreamMeta = {
    name,
    createdMs: now,
    mode,
    retentionHours: DEFAULT_RETENTION_HOURS,
    maxRecordSizeKiB,
    readyAtMs: now + state.ctx.stateChangeMs,
    shardLevelMetrics: [],
    tags,
    shards,
    consumers: [],
    nextShardIndex: shardCount,
  };
  await state.registry.add(meta);
  return {};
}

/**
 * DeleteStream: DELETING for the state-change time, then gone with its records. Registered
 * consumers block it unless EnforceConsumerDeletion.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DeleteStream.html
 */
export async function deleteStream(state: EngineState, input: K.DeleteStreamInput): Promise<Record<string, never>> {
  const runtime = activeStream(state, input);
  const { meta } = runtime;
  const consumers = meta.consumers.filter((consumer) => consumer.goneAtMs === undefined);
  if (consumers.length > 0 && !input.EnforceConsumerDeletion) {
    throw resourceInUse(
      `Stream ${meta.name} under account ${state.ctx.accountId} has registered consumers. Deregister them first or set EnforceConsumerDeletion.`,
    );
  }
  const goneAtMs = state.ctx.now() + state.ctx.stateChangeMs;
  meta.goneAtMs = goneAtMs;
  for (const consumer of consumers) consumer.goneAtMs = goneAtMs;
  runtime.notifier.notifyAll();
  await state.registry.save();
  state.registry.later(state.ctx.stateChangeMs, () => state.registry.finishDeletion(runtime));
  return {};
}
