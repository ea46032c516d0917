import type { WindowCheckpoint } from './checkpoints.ts';
import { batchEvent } from './event.ts';
import type { EventShaper } from './invokeBatch.ts';
import type { ShardRecord } from './types.ts';

/** State over this size (its JSON, UTF-8) ends the window early. */
export const MAX_WINDOW_STATE_BYTES = 1024 * 1024;

/**
 * The tumbling window of one shard (TumblingWindowInSeconds > 0). Windows are aligned to multiples
 * of their length and follow record arrival time; each invoke gets the state the previous invoke
 * of the window returned, and the window ends with an invoke flagged `isFinalInvokeForWindow`
 * (no records) once a record of a later window arrives or the window's end has passed. State over
 * 1 MB ends the window early (`isWindowTerminatedEarly`), and the next records start a fresh state.
 * A response without `state` fails the invoke.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html
 *
 * Not documented, chosen here: a partial batch response keeps the state it returns; the final
 * invoke also has to return `state`; if it fails past MaximumRetryAttempts, the window is dropped
 * (there are no records to send to the destination).
 *
 * @example
 * const window = new TumblingWindow(30_000, shardId, streamArn, checkpoint?.window);
 * window.openFor(batch[0].arrivalMs);
 * await invoke(window.shaper().event(batch));
 */
export class TumblingWindow {
  private current: WindowCheckpoint | undefined;

  constructor(
    private readonly lengthMs: number,
    private readonly shardId: string,
    private readonly streamArn: string,
    restored: WindowCheckpoint | undefined,
  ) {
    this.current = restored;
  }

  /** Start (epoch ms) of the window a record belongs to; never before the open window. */
  startOf(arrivalMs: number): number {
    const start = Math.floor(arrivalMs / this.lengthMs) * this.lengthMs;
    return this.current === undefined ? start : Math.max(start, this.current.startMs);
  }

  get isOpen(): boolean {
    return this.current !== undefined;
  }

  snapshot(): WindowCheckpoint | undefined {
    return this.current === undefined ? undefined : structuredClone(this.current);
  }

  /** The open window must close before records of `startMs` are delivered. */
  mustCloseBefore(startMs: number): boolean {
    return this.current !== undefined && this.current.startMs !== startMs;
  }

  /** The open window's end has passed (by the mapping's clock). */
  isDue(nowMs: number): boolean {
    return this.current !== undefined && nowMs >= this.current.endMs;
  }

  get stateOverLimit(): boolean {
    return this.stateBytes() > MAX_WINDOW_STATE_BYTES;
  }

  /** Bytes the state adds to an event, for the 6 MB cut. */
  stateBytes(): number {
    return this.current === undefined ? 2 : Buffer.byteLength(JSON.stringify(this.current.state), 'utf8');
  }

  openFor(arrivalMs: number): void {
    if (this.current !== undefined) return;
    const startMs = this.startOf(arrivalMs);
    this.current = { startMs, endMs: startMs + this.lengthMs, state: {} };
  }

  close(): void {
    this.current = undefined;
  }

  /** Shapes events of the open window; `final` for the closing invoke. */
  shaper(final?: { terminatedEarly: boolean }): EventShaper {
    return {
      event: (records: readonly ShardRecord[]) => this.event(records, final),
      reject: (response) => (hasState(response) ? undefined : 'the response has no state (tumbling window)'),
      accept: (response) => {
        if (this.current !== undefined && hasState(response)) this.current.state = response.state;
      },
    };
  }

  private event(records: readonly ShardRecord[], final: { terminatedEarly: boolean } | undefined) {
    const window = this.current ?? { startMs: 0, endMs: 0, state: {} };
    return {
      ...batchEvent(records),
      window: { start: isoSeconds(window.startMs), end: isoSeconds(window.endMs) },
      state: window.state,
      shardId: this.shardId,
      eventSourceARN: this.streamArn,
      isFinalInvokeForWindow: final !== undefined,
      isWindowTerminatedEarly: final?.terminatedEarly ?? false,
    };
  }
}

function hasState(response: unknown): response is { state: Record<string, unknown> } {
  if (response === null || typeof response !== 'object' || !('state' in response)) return false;
  const { state } = response as { state: unknown };
  return state !== null && typeof state === 'object' && !Array.isArray(state);
}

/** AWS shows window bounds as `2020-07-30T17:00:00Z`. */
function isoSeconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
