import { type KinesisClient, ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis';
import type { LocalEventSourceMapping } from '../app/model.ts';
import type { MappingRuntime } from './mappingRuntime.ts';
import type { StartPosition } from './shardReader.ts';
import { runShard, type ShardResult } from './shardWorker.ts';
import { pause, Wakeup } from './wakeup.ts';

/** ListShards runs this many poll intervals apart, and at once when a shard ends. */
const DISCOVERY_POLLS = 10;

/**
 * Runs a worker per shard, in resharding order: a shard starts only once its parents
 * (ParentShardId, AdjacentParentShardId) are read to their end, so that records of a key stay in
 * order across a split or merge. Parents that left the listing (past retention) count as done.
 * https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java-after-resharding.html
 *
 * Start positions: a shard with a checkpoint resumes after it; a shard of the first listing starts
 * at the mapping's StartingPosition unless this mapping already read one of its parents before;
 * a shard that appears later (a reshard while running) starts at TRIM_HORIZON, so none of its
 * records is missed.
 *
 * @example
 * await superviseShards(runtime, mapping); // returns after stop() has aborted runtime.signal
 */
export async function superviseShards(runtime: MappingRuntime, mapping: LocalEventSourceMapping): Promise<void> {
  const running = new Map<string, Promise<void>>();
  const ended = new Set<string>();
  const wakeup = new Wakeup();
  let initialStarts: Map<string, StartPosition> | undefined;
  while (!runtime.signal.aborted) {
    const shards = await listShards(runtime.kinesis, runtime.streamName).catch((error: unknown) => {
      runtime.warn(`${runtime.mappingId}: ListShards failed, retrying: ${error}`);
      return undefined;
    });
    if (shards !== undefined) {
      initialStarts ??= await initialPositions(runtime, mapping, shards);
      const listed = new Set(shards.map((shard) => shard.ShardId));
      for (const shard of shards) {
        const shardId = shard.ShardId as string;
        if (running.has(shardId) || ended.has(shardId)) continue;
        const parents = parentsOf(shard).filter((parent) => listed.has(parent));
        if (!parents.every((parent) => ended.has(parent))) continue;
        const start = initialStarts.get(shardId) ?? { type: 'TRIM_HORIZON' };
        const worker = runWithRestarts(runtime, shardId, start).then((result) => {
          running.delete(shardId);
          if (result === 'ended') ended.add(shardId);
          wakeup.wake();
        });
        running.set(shardId, worker);
      }
    }
    await wakeup.wait(DISCOVERY_POLLS * runtime.pollIntervalMs, runtime.signal);
  }
  await Promise.all(running.values());
}

/** A shard worker that failed restarts from its checkpoint after a poll interval. */
async function runWithRestarts(runtime: MappingRuntime, shardId: string, start: StartPosition): Promise<ShardResult> {
  while (!runtime.signal.aborted) {
    try {
      return await runShard(runtime, shardId, start);
    } catch (error) {
      runtime.warn(`${runtime.mappingId} ${shardId}: restarting from the checkpoint after: ${error}`);
      await pause(runtime.pollIntervalMs, runtime.signal);
    }
  }
  return 'stopped';
}

async function initialPositions(
  runtime: MappingRuntime,
  mapping: LocalEventSourceMapping,
  shards: readonly Shard[],
): Promise<Map<string, StartPosition>> {
  const configured = configuredStart(mapping);
  const positions = new Map<string, StartPosition>();
  for (const shard of shards) {
    const parentCheckpoints = await Promise.all(
      parentsOf(shard).map((parent) => runtime.checkpoints.get(runtime.mappingId, parent)),
    );
    const parentRead = parentCheckpoints.some((checkpoint) => checkpoint?.sequenceNumber || checkpoint?.shardEnded);
    positions.set(shard.ShardId as string, parentRead ? { type: 'TRIM_HORIZON' } : configured);
  }
  return positions;
}

function configuredStart(mapping: LocalEventSourceMapping): StartPosition {
  if (mapping.startingPosition === 'AT_TIMESTAMP') {
    // StartingPositionTimestamp is in Unix seconds (validated present in settings.ts).
    return { type: 'AT_TIMESTAMP', timestamp: new Date((mapping.startingPositionTimestamp ?? 0) * 1000) };
  }
  return { type: mapping.startingPosition };
}

function parentsOf(shard: Shard): string[] {
  return [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => Boolean(id));
}

/** Every shard, open and closed, following NextToken. */
async function listShards(kinesis: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    // With NextToken, ListShards rejects StreamName.
    const input = nextToken === undefined ? { StreamName: streamName } : { NextToken: nextToken };
    const page = await kinesis.send(new ListShardsCommand(input));
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return shards;
}
