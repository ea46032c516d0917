import { batchDependencies } from './batchDependencies.ts';
import { type BatchRunnerDependencies, runBatch } from './batchRunner.ts';
import { CheckpointTracker } from './checkpointTracker.ts';
import { batchEvent, MAX_INVOKE_PAYLOAD_BYTES, toShardRecord } from './event.ts';
import { invokeFinal } from './finalInvoke.ts';
import type { EventShaper } from './invokeBatch.ts';
import { Lanes } from './lanes.ts';
import type { MappingRuntime } from './mappingRuntime.ts';
import { openRecordSource, type RecordSource, type StartPosition } from './recordSource.ts';
import { TumblingWindow } from './tumblingWindow.ts';
import type { ShardRecord } from './types.ts';
import { Wakeup } from './wakeup.ts';

export type ShardResult = 'ended' | 'stopped';

/**
 * Runs one shard for one mapping until the shard is read to its end and every record is done
 * ('ended': its children may start) or the mapping stops ('stopped', after in-flight batches finish).
 * Reads with GetRecords (every poll interval, at once again while records remain) or, for an
 * enhanced fan-out mapping, from a SubscribeToShard push (at once when records arrive), filters, batches
 * per lane, runs each batch through Lambda's error handling, and saves the checkpoint as records are
 * done. A failure it cannot handle rejects, and the caller restarts the shard from its checkpoint.
 *
 * @example
 * const result = await runShard(runtime, 'shardId-000000000000', { type: 'TRIM_HORIZON' });
 */
export async function runShard(runtime: MappingRuntime, shardId: string, start: StartPosition): Promise<ShardResult> {
  const saved = await runtime.checkpoints.get(runtime.mappingId, shardId);
  if (saved?.shardEnded) return 'ended';
  const from: StartPosition =
    saved?.sequenceNumber === undefined
      ? start
      : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: saved.sequenceNumber };
  const { settings } = runtime;
  const window =
    settings.tumblingWindowMs > 0
      ? new TumblingWindow(settings.tumblingWindowMs, shardId, runtime.source.streamArn, saved?.window)
      : undefined;
  const wakeup = new Wakeup();
  return new ShardWorker(runtime, shardId, openRecordSource(runtime, shardId, from, wakeup), {
    tracker: new CheckpointTracker(saved?.sequenceNumber),
    window,
    wakeup,
  }).run();
}

class ShardWorker {
  private readonly lanes: Lanes;
  private readonly tracker: CheckpointTracker;
  private readonly window: TumblingWindow | undefined;
  private readonly wakeup: Wakeup;
  private readonly inFlight = new Set<Promise<void>>();
  private ended = false;
  private caughtUp = false;
  private nextPollAt = 0;
  private failure: unknown;

  constructor(
    private readonly runtime: MappingRuntime,
    private readonly shardId: string,
    private readonly reader: RecordSource,
    state: { tracker: CheckpointTracker; window: TumblingWindow | undefined; wakeup: Wakeup },
  ) {
    this.lanes = new Lanes(runtime.settings.lanes);
    this.tracker = state.tracker;
    this.window = state.window;
    this.wakeup = state.wakeup;
  }

  async run(): Promise<ShardResult> {
    try {
      return await this.work();
    } finally {
      await this.reader.close();
    }
  }

  private async work(): Promise<ShardResult> {
    const { signal } = this.runtime;
    while (!signal.aborted && this.failure === undefined) {
      await this.poll();
      this.dispatch();
      if (this.isFinished()) return this.finish();
      await this.wakeup.wait(this.nextWakeInMs(), signal);
    }
    await Promise.allSettled(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    await this.save(true);
    return 'stopped';
  }

  /**
   * Keeps about one batch per lane buffered, reading more only once that is used up: BatchSize
   * records, and no more than one full invoke payload (6 MB) of large records.
   */
  private wanted(): number {
    const { batchSize, lanes } = this.runtime.settings;
    if (this.ended || this.lanes.queuedBytes >= lanes * MAX_INVOKE_PAYLOAD_BYTES) return 0;
    return batchSize * lanes - this.lanes.queued;
  }

  private async poll(): Promise<void> {
    const wanted = this.wanted();
    if (wanted <= 0 || Date.now() < this.nextPollAt) return;
    const { runtime } = this;
    try {
      const page = await this.reader.read(wanted);
      const at = Date.now();
      for (const raw of page.records) {
        const record = toShardRecord(raw, this.shardId, runtime.source);
        const deliver = runtime.filter(record.data);
        this.tracker.add(record.sequenceNumber, !deliver);
        if (deliver) this.lanes.enqueue(record, at);
      }
      this.ended = page.ended;
      this.caughtUp = page.caughtUp;
      // A pushed source wakes the worker when records arrive; a polled one is read a poll interval later.
      this.nextPollAt = page.caughtUp && !this.reader.pushed ? at + runtime.pollIntervalMs : 0;
      await this.save(false);
    } catch (error) {
      runtime.warn(`${runtime.mappingId} ${this.shardId}: reading failed, retrying at the next poll: ${error}`);
      this.nextPollAt = Date.now() + runtime.pollIntervalMs;
    }
  }

  private dispatch(): void {
    const { settings } = this.runtime;
    const readiness = { nowMs: Date.now(), batchingWindowMs: settings.batchingWindowMs, drained: this.ended };
    const limits = {
      batchSize: settings.batchSize,
      reservedBytes: this.window?.stateBytes() ?? 0,
      ...(this.window ? { groupOf: (record: ShardRecord) => this.window?.startOf(record.arrivalMs) ?? 0 } : {}),
    };
    for (const lane of this.lanes.idle()) {
      const batch = this.lanes.take(lane, limits, readiness);
      if (batch !== undefined) this.start(lane, () => this.deliver(batch));
    }
    const closeDue = this.lanes.inFlight === 0 && this.lanes.queued === 0 && this.caughtUp;
    if (this.window && closeDue && this.window.isDue(this.runtime.now())) {
      this.lanes.reserve(0);
      this.start(0, async () => {
        await this.closeWindow(false);
      });
    }
  }

  private start(lane: number, job: () => Promise<void>): void {
    const running: Promise<void> = job()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.lanes.release(lane);
        this.inFlight.delete(running);
        this.wakeup.wake();
      });
    this.inFlight.add(running);
  }

  private async deliver(batch: ShardRecord[]): Promise<void> {
    const { window } = this;
    const first = batch[0];
    if (window && first) {
      const startMs = window.startOf(first.arrivalMs);
      if (window.mustCloseBefore(startMs) && !(await this.closeWindow(false))) return;
      window.openFor(first.arrivalMs);
    }
    await runBatch(batch, this.runnerDependencies(window?.shaper() ?? { event: batchEvent }));
    if (window?.stateOverLimit && !this.runtime.signal.aborted) await this.closeWindow(true);
  }

  private async closeWindow(terminatedEarly: boolean): Promise<boolean> {
    if (!this.window?.isOpen) return true;
    const closed = await invokeFinal(this.window, terminatedEarly, this.runnerDependencies(this.window.shaper()));
    if (closed) await this.save(true);
    return closed;
  }

  private runnerDependencies(shaper: EventShaper): BatchRunnerDependencies {
    return batchDependencies(this.runtime, this.shardId, shaper, async (records) => {
      this.tracker.markDone(records.map((record) => record.sequenceNumber));
      // With a tumbling window the state changed too: save even if the checkpoint did not move.
      await this.save(this.window !== undefined);
    });
  }

  private isFinished(): boolean {
    return this.ended && this.lanes.inFlight === 0 && this.lanes.queued === 0 && this.tracker.outstanding === 0;
  }

  private async finish(): Promise<ShardResult> {
    if (!(await this.closeWindow(false))) return 'stopped';
    const sequenceNumber = this.tracker.current;
    await this.runtime.checkpoints.put(this.runtime.mappingId, this.shardId, {
      ...(sequenceNumber === undefined ? {} : { sequenceNumber }),
      shardEnded: true,
    });
    return 'ended';
  }

  /** Saves the checkpoint if it moved (or always, with `force`: the window state changed). */
  private async save(force: boolean): Promise<void> {
    const moved = this.tracker.advance();
    if (moved === undefined && !force) return;
    const sequenceNumber = this.tracker.current;
    const window = this.window?.snapshot();
    if (sequenceNumber === undefined && window === undefined) return;
    await this.runtime.checkpoints.put(this.runtime.mappingId, this.shardId, {
      ...(sequenceNumber === undefined ? {} : { sequenceNumber }),
      ...(window === undefined ? {} : { window }),
    });
  }

  private nextWakeInMs(): number {
    const now = Date.now();
    // With the buffer full, the next wake is a batch finishing (or the cap below), not the poll time.
    // A caught-up pushed source has nothing to poll for: its next records wake the worker.
    const idlePush = this.reader.pushed && this.caughtUp;
    const pollAt = this.wanted() > 0 && !idlePush ? this.nextPollAt : undefined;
    const deadlines = [pollAt, this.lanes.nextDeadline(this.runtime.settings.batchingWindowMs)];
    const soonest = Math.min(...deadlines.filter((deadline): deadline is number => deadline !== undefined));
    // At most one poll interval: a tumbling window's end is on the injectable clock, not a timer.
    return Math.min(Math.max(0, soonest - now), this.runtime.pollIntervalMs);
  }
}
