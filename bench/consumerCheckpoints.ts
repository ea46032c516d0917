import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ShardCheckpoint } from '../local/eventSourceMapping/checkpoints.ts';
import type { ShardTargets } from './streamMarkers.ts';
import { CONSUMERS, type Consumer } from './throughput.ts';

/** Each consumer's event source mapping: its logical id in the template, its key in checkpoints.json. */
export const MAPPING_OF: Readonly<Record<Consumer, string>> = {
  archive: 'ArchiveEventSourceMapping',
  aggregate: 'AggregateEventSourceMapping',
  alert: 'AlertEventSourceMapping',
};

/** Checkpoints by mapping logical id, then by shard id. */
export type Checkpoints = Record<string, Record<string, ShardCheckpoint>>;

/**
 * The event source mappings' checkpoints as the pipeline last saved them, from
 * `<dataDir>/checkpoints.json` (layout in local/eventSourceMapping/fileCheckpoints.ts; written by
 * rename, so never read half-written). Empty before the first checkpoint.
 *
 * @example
 * const checkpoints = await readCheckpoints('.local/data');
 */
export async function readCheckpoints(dataDir: string): Promise<Checkpoints> {
  const text = await readFile(join(dataDir, 'checkpoints.json'), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? {} : (JSON.parse(text) as { mappings: Checkpoints }).mappings;
}

/**
 * The shards (of `targets`) where `consumer`'s checkpoint is short of the target sequence number,
 * compared as integers; a shard that ended counts as done.
 *
 * @example
 * const behind = shardsBehind(await readCheckpoints(dataDir), 'aggregate', targets); // [] once caught up
 */
export function shardsBehind(checkpoints: Checkpoints, consumer: Consumer, targets: ShardTargets): string[] {
  const own = checkpoints[MAPPING_OF[consumer]] ?? {};
  return [...targets].flatMap(([shardId, target]) => {
    const checkpoint = own[shardId];
    if (checkpoint?.shardEnded) return [];
    const at = checkpoint?.sequenceNumber;
    return at !== undefined && BigInt(at) >= BigInt(target) ? [] : [shardId];
  });
}

export interface CaughtUp {
  /** ms from `since` until every shard's checkpoint reached its target; undefined when it did not in time. */
  caughtUpMs: number | undefined;
  /** Shards still short of their target when the wait ended. */
  shardsBehind: string[];
}

/**
 * Polls the pipeline's checkpoints (every 20 ms) until every consumer's checkpoint of every shard
 * reached its target in `targets` (markers: see `putMarkers`), or `timeoutMs` passes. The
 * checkpoint is saved once the invoke that processed the record has returned, so "caught up"
 * means the sink writes are done.
 *
 * @example
 * const lag = await waitForCheckpoints(dataDir, await putMarkers(client, stream), { since: lastAnswer, timeoutMs: 60_000 });
 */
export async function waitForCheckpoints(
  dataDir: string,
  targets: ShardTargets,
  options: { since?: number; timeoutMs: number },
): Promise<Record<Consumer, CaughtUp>> {
  const since = options.since ?? performance.now();
  const deadline = performance.now() + options.timeoutMs;
  const caughtUpAt: Partial<Record<Consumer, number>> = {};
  let checkpoints: Checkpoints = {};
  for (;;) {
    checkpoints = await readCheckpoints(dataDir);
    const now = performance.now();
    for (const consumer of CONSUMERS) {
      if (caughtUpAt[consumer] === undefined && shardsBehind(checkpoints, consumer, targets).length === 0)
        caughtUpAt[consumer] = now;
    }
    if (CONSUMERS.every((c) => caughtUpAt[c] !== undefined) || now > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const entries = CONSUMERS.map((consumer) => {
    const at = caughtUpAt[consumer];
    return [
      consumer,
      {
        caughtUpMs: at === undefined ? undefined : at - since,
        shardsBehind: shardsBehind(checkpoints, consumer, targets),
      },
    ] as const;
  });
  return Object.fromEntries(entries) as Record<Consumer, CaughtUp>;
}

/** How many of `ascending` are at most `limit` (binary search). */
function countUpTo(ascending: readonly bigint[], limit: bigint): number {
  let low = 0;
  let high = ascending.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((ascending[middle] as bigint) <= limit) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Records `consumer` had processed at the time of `checkpoints`: in each shard, the records (of
 * `sequences`, the stream read back afterwards) at or before its checkpoint, those from the marker
 * on left out (`below`: the markers, so only the phase's own records count).
 *
 * @example
 * const archived = recordsProcessed(snapshot, 'archive', await sequenceNumbersByShard(client, stream), markers);
 */
export function recordsProcessed(
  checkpoints: Checkpoints,
  consumer: Consumer,
  sequences: ReadonlyMap<string, readonly bigint[]>,
  below: ShardTargets,
): number {
  const own = checkpoints[MAPPING_OF[consumer]] ?? {};
  let records = 0;
  for (const [shardId, ascending] of sequences) {
    const marker = below.get(shardId);
    const checkpoint = own[shardId];
    const all = marker === undefined ? ascending.length : countUpTo(ascending, BigInt(marker) - 1n);
    if (checkpoint?.shardEnded) records += all;
    else if (checkpoint?.sequenceNumber !== undefined)
      records += Math.min(all, countUpTo(ascending, BigInt(checkpoint.sequenceNumber)));
  }
  return records;
}
