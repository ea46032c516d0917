import type { _Record, SubscribeToShardEvent } from '@aws-sdk/client-kinesis';
import type { RecordSource, ShardPage, StartPosition } from './recordSource.ts';
import { pause, Wakeup } from './wakeup.ts';

/** What the reader subscribes through: `EfoConsumer` (efoConsumer.ts) in the runtime. */
export interface Subscriber {
  subscribe(shardId: string, from: StartPosition, signal: AbortSignal): Promise<AsyncIterable<SubscribeToShardEvent>>;
}

export interface SubscriptionReaderOptions {
  /** What the buffer holds before the reader stops reading the event stream (back-pressure): records and data bytes. */
  capacity: { records: number; bytes: number };
  /** Called when records arrive or the shard ends: the worker reads at once. */
  wake: () => void;
  warn: (message: string) => void;
  /** Names the shard in warnings: `<mapping> <shardId>`. */
  label: string;
}

/** Backoff between failed subscriptions: 50 ms doubling to 2 s, so an engine restart is picked up within 2 s. */
const BACKOFF = Object.freeze({ firstMs: 50, maxMs: 2000 });

/** A subscription that ends with no event sooner than this is treated as a failure (no tight loop). */
const SHORTEST_HEALTHY_MS = 100;

/** How often a reader with a full buffer looks again even if no read woke it. */
const FULL_RECHECK_MS = 1000;

/**
 * ResourceInUseException is expected for a moment when a shard worker restarts: the service still
 * holds the previous subscription of this consumer to this shard. It is only worth a warning when
 * it lasts.
 */
const QUIET_IN_USE_ATTEMPTS = 5;

/**
 * Reads one shard through an enhanced fan-out subscription, as Lambda's EFO reader does: one
 * SubscribeToShard open per shard, records pushed as they are written (the worker is woken at once,
 * no poll interval), renewed when the service ends it (every 5 minutes on AWS).
 * https://docs.aws.amazon.com/streams/latest/dev/building-enhanced-consumers-api.html
 *
 * Positions: the first subscription starts where a polling reader would (the StartingPosition, or
 * AFTER_SEQUENCE_NUMBER the checkpoint). Every later one, after a renewal or an error, starts
 * AFTER_SEQUENCE_NUMBER the last `ContinuationSequenceNumber` received (or the last record, if an
 * event carried none), so records already buffered are neither skipped nor received twice.
 *
 * The buffer is bounded: while it holds `capacity` (records or bytes) the reader stops pulling events, and
 * HTTP/2 flow control holds the service back, instead of buffering a fast shard without limit.
 * An event with `ChildShards` means the shard is closed and read to its end: `read` then reports
 * `ended` once the buffer is drained.
 *
 * @example
 * const reader = new SubscriptionReader(consumer, 'shardId-000000000000', { type: 'TRIM_HORIZON' },
 *   { capacity: { records: 100, bytes: 1 << 20 }, wake: () => wakeup.wake(), warn: console.warn, label: 'ArchiveMapping shardId-000000000000' });
 * const { records, ended } = await reader.read(100); // what was pushed so far; never waits
 * reader.close();
 */
export class SubscriptionReader implements RecordSource {
  readonly pushed = true;
  private readonly buffer: _Record[] = [];
  /** Data bytes of the buffered records. */
  private bufferedBytes = 0;
  private readonly controller = new AbortController();
  private readonly spaceFreed = new Wakeup();
  private position: StartPosition;
  private shardEnded = false;
  /** Events received over all subscriptions. */
  private received = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly subscriber: Subscriber,
    private readonly shardId: string,
    start: StartPosition,
    private readonly options: SubscriptionReaderOptions,
  ) {
    this.position = start;
  }

  /** What has been pushed so far, at most `limit` records; the first call opens the subscription. */
  async read(limit: number): Promise<ShardPage> {
    this.running ??= this.subscribeUntilEnded().catch((error: unknown) => {
      this.options.warn(`${this.options.label}: subscription reader stopped: ${error}`);
    });
    const records = this.buffer.splice(0, Math.max(0, limit));
    for (const record of records) this.bufferedBytes -= record.Data?.byteLength ?? 0;
    if (records.length > 0) this.spaceFreed.wake();
    const caughtUp = this.buffer.length === 0;
    return { records, ended: this.shardEnded && caughtUp, caughtUp };
  }

  /** Ends the open subscription; resolves once it is torn down. */
  async close(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  /** Subscribes again and again (renewals, errors) until the shard ends or the reader is closed. */
  private async subscribeUntilEnded(): Promise<void> {
    const { signal } = this.controller;
    let failures = 0;
    while (!signal.aborted && !this.shardEnded) {
      const eventsBefore = this.received;
      const openedAt = Date.now();
      try {
        const events = await this.subscriber.subscribe(this.shardId, this.position, signal);
        for await (const event of events) {
          this.accept(event);
          failures = 0;
          if (this.shardEnded) break;
          await this.untilSpace(signal);
          if (signal.aborted) break;
        }
        const empty = this.received === eventsBefore;
        if (empty && Date.now() - openedAt < SHORTEST_HEALTHY_MS && !signal.aborted) {
          // Ended at once with nothing: back off rather than resubscribe in a tight loop.
          await pause(backoffMs(++failures), signal);
        }
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        const name = (error as Error).name;
        if (name !== 'ResourceInUseException' || failures > QUIET_IN_USE_ATTEMPTS) {
          this.options.warn(
            `${this.options.label}: subscription failed (attempt ${failures}), resubscribing: ${error}`,
          );
        }
        await pause(backoffMs(failures), signal);
      }
    }
  }

  private accept(event: SubscribeToShardEvent): void {
    this.received += 1;
    const records = event.Records ?? [];
    this.buffer.push(...records);
    for (const record of records) this.bufferedBytes += record.Data?.byteLength ?? 0;
    const last = event.ContinuationSequenceNumber ?? records.at(-1)?.SequenceNumber;
    if (last !== undefined) this.position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last };
    // ChildShards come only with the last event of a closed shard read to its end.
    if ((event.ChildShards?.length ?? 0) > 0) this.shardEnded = true;
    if (records.length > 0 || this.shardEnded) this.options.wake();
  }

  private async untilSpace(signal: AbortSignal): Promise<void> {
    const { capacity } = this.options;
    while ((this.buffer.length >= capacity.records || this.bufferedBytes >= capacity.bytes) && !signal.aborted) {
      await this.spaceFreed.wait(FULL_RECHECK_MS, signal);
    }
  }
}

function backoffMs(failures: number): number {
  return Math.min(BACKOFF.maxMs, BACKOFF.firstMs * 2 ** Math.max(0, failures - 1));
}
