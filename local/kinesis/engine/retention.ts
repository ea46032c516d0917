import { liveConsumers } from './consumers.ts';
import type { EngineState } from './engineState.ts';

/**
 * Housekeeping on an unref'd timer: trims records older than each stream's retention (so
 * TRIM_HORIZON moves), forgets closed shards whose records have all expired (AWS stops listing
 * them then), drops consumers and streams whose deletion is over.
 * https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html
 */
export const HOUSEKEEPING_MS = 60_000;

/**
 * One pass over every stream.
 * @example await trimExpired(state)
 */
export async function trimExpired(state: EngineState): Promise<void> {
  const now = state.ctx.now();
  let changed = false;
  const dropped: Array<() => Promise<void>> = [];
  state.registry.sweep();
  for (const runtime of state.registry.list()) {
    const { meta } = runtime;
    const retentionMs = meta.retentionHours * 3_600_000;
    await runtime.store.trimBefore(now - retentionMs);
    const expired = meta.shards.filter((shard) => shard.closedMs !== undefined && shard.closedMs + retentionMs <= now);
    meta.shards = meta.shards.filter((shard) => !expired.includes(shard));
    const consumers = meta.consumers.length;
    liveConsumers(meta, now);
    if (expired.length > 0 || meta.consumers.length !== consumers) {
      runtime.reindex();
      changed = true;
    }
    dropped.push(...expired.map((shard) => () => runtime.store.dropShard(shard.shardId)));
  }
  if (changed) await state.registry.save();
  // Files go only once the metadata no longer names their shards (a crash in between leaves files, never a dangling shard).
  for (const drop of dropped) await drop();
}

/** Starts the periodic pass; returns its stop function, which waits for a pass under way. */
export function startHousekeeping(state: EngineState, everyMs = HOUSEKEEPING_MS): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = trimExpired(state)
      .catch((error: unknown) => state.ctx.log(`kinesis housekeeping failed: ${String(error)}`))
      .finally(() => {
        running = undefined;
      });
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
