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
  state.registry.sweep();
  for (const runtime of state.registry.list()) {
    const { meta } = runtime;
    const retentionMs = meta.retentionHours * 3_600_000;
    await runtime.store.trimBefore(now - retentionMs);
    const before = meta.shards.length;
    meta.shards = meta.shards.filter((shard) => shard.closedMs === undefined || shard.closedMs + retentionMs > now);
    const consumers = meta.consumers.length;
    liveConsumers(meta, now);
    if (meta.shards.length !== before || meta.consumers.length !== consumers) {
      runtime.reindex();
      changed = true;
    }
  }
  if (changed) await state.registry.save();
}

/** Starts the periodic pass; returns its stop function. */
export function startHousekeeping(state: EngineState, everyMs = HOUSEKEEPING_MS): () => void {
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
  return () => clearInterval(timer);
}
