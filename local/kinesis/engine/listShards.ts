import type * as K from '@aws-sdk/client-kinesis';
import type { EngineState } from './engineState.ts';
import { invalidArgument, resourceNotFound } from './errors.ts';
import type { ShardMeta, StreamMeta } from './model.ts';
import { decodePageToken, encodePageToken, type PageToken } from './pageTokens.ts';
import { listedShards, shardView } from './shardViews.ts';

/**
 * ListShards: shards by id, paged by MaxResults (default 1,000) and a NextToken that carries the
 * stream, the position and the filter, and expires after 300 s.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListShards.html
 */
const LIST_SHARDS_LIMIT = 1000;

type Filter = NonNullable<PageToken['filter']>;

const scopeOf = (meta: StreamMeta): string => `${meta.name}@${meta.createdMs}`;

function filterOf(input: K.ShardFilter | undefined): Filter | undefined {
  if (!input?.Type) return undefined;
  const filter: Filter = { type: input.Type };
  if (input.Type === 'AFTER_SHARD_ID') {
    if (!input.ShardId) throw invalidArgument('ShardFilter of type AFTER_SHARD_ID requires ShardId.');
    filter.shardId = input.ShardId;
  } else if (input.ShardId !== undefined) {
    throw invalidArgument(`ShardId can only be used with ShardFilter type AFTER_SHARD_ID, not ${input.Type}.`);
  }
  if (input.Type === 'AT_TIMESTAMP' || input.Type === 'FROM_TIMESTAMP') {
    if (!input.Timestamp) throw invalidArgument(`ShardFilter of type ${input.Type} requires Timestamp.`);
    filter.timestampMs = input.Timestamp.getTime();
  } else if (input.Timestamp !== undefined) {
    throw invalidArgument(`Timestamp can only be used with ShardFilter types AT_TIMESTAMP and FROM_TIMESTAMP.`);
  }
  return filter;
}

const openAt = (shard: ShardMeta, ms: number): boolean =>
  shard.createdMs <= ms && (shard.closedMs === undefined || shard.closedMs > ms);

/** Whether a shard passes the filter (AWS's definitions of each ShardFilterType). */
function passes(filter: Filter | undefined, shard: ShardMeta, meta: StreamMeta, now: number): boolean {
  if (!filter) return true;
  switch (filter.type) {
    case 'AFTER_SHARD_ID':
      return shard.shardId > (filter.shardId ?? '');
    case 'AT_LATEST':
      return shard.closedMs === undefined;
    case 'AT_TRIM_HORIZON':
      return openAt(shard, Math.max(meta.createdMs, now - meta.retentionHours * 3_600_000));
    case 'FROM_TRIM_HORIZON':
      return true;
    case 'AT_TIMESTAMP':
      return openAt(shard, Math.max(filter.timestampMs ?? 0, meta.createdMs));
    case 'FROM_TIMESTAMP':
      return shard.closedMs === undefined || shard.closedMs > (filter.timestampMs ?? 0);
    default:
      throw invalidArgument(`Unknown ShardFilter type ${filter.type}.`);
  }
}

export async function listShards(state: EngineState, input: K.ListShardsInput): Promise<K.ListShardsOutput> {
  const now = state.ctx.now();
  let after = input.ExclusiveStartShardId;
  let filter: Filter | undefined;
  let meta: StreamMeta;
  if (input.NextToken !== undefined) {
    if (input.StreamName !== undefined || input.StreamARN !== undefined) {
      throw invalidArgument('NextToken and StreamName (or StreamARN) cannot be provided together.');
    }
    if (input.ExclusiveStartShardId !== undefined || input.ShardFilter !== undefined) {
      throw invalidArgument('NextToken cannot be combined with ExclusiveStartShardId or ShardFilter.');
    }
    const token = decodePageToken(input.NextToken, 'shards', now);
    const name = token.scope.slice(0, token.scope.lastIndexOf('@'));
    const runtime = state.registry.find(name);
    if (!runtime || scopeOf(runtime.meta) !== token.scope) throw state.registry.notFound(name);
    meta = runtime.meta;
    after = token.after;
    filter = token.filter;
  } else {
    meta = state.registry.resolve(input).meta;
    if (input.StreamCreationTimestamp && input.StreamCreationTimestamp.getTime() !== meta.createdMs) {
      throw resourceNotFound(
        `Stream ${meta.name} created at ${input.StreamCreationTimestamp.toISOString()} not found.`,
      );
    }
    filter = filterOf(input.ShardFilter);
  }
  const shards = listedShards(meta, now)
    .filter((shard) => (after === undefined || shard.shardId > after) && passes(filter, shard, meta, now))
    .sort((a, b) => (a.shardId < b.shardId ? -1 : 1));
  const limit = input.MaxResults ?? LIST_SHARDS_LIMIT;
  const page = shards.slice(0, limit);
  const output: K.ListShardsOutput = { Shards: page.map((shard) => shardView(meta, shard)) };
  const last = page.at(-1);
  if (shards.length > limit && last) {
    const token: PageToken = { kind: 'shards', scope: scopeOf(meta), after: last.shardId, issuedMs: now };
    if (filter) token.filter = filter;
    output.NextToken = encodePageToken(token);
  }
  return output;
}
