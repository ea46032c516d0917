import { createHash } from 'node:crypto';
import { type CutLimits, cutBatch } from './batchCut.ts';
import type { ShardRecord } from './types.ts';

/** When a lane may send a batch that no limit has cut yet. */
export interface Readiness {
  /** Real time, epoch ms. */
  nowMs: number;
  /** MaximumBatchingWindowInSeconds in ms: how long records may wait for a fuller batch. */
  batchingWindowMs: number;
  /** No more records will come (the shard is read to its end): waiting cannot fill the batch. */
  drained: boolean;
}

interface Queued {
  record: ShardRecord;
  /** Real time it was read, for the batching window. */
  at: number;
}

/**
 * The concurrent batches of one shard. With ParallelizationFactor N, Lambda runs up to N batches
 * per shard at once and keeps order per partition key: each key hashes to one of N lanes, a lane
 * has at most one batch in flight, and its records leave in read order. N = 1 is the plain
 * one-batch-per-shard case.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#kinesis-polling-and-batching
 *
 * @example
 * const lanes = new Lanes(4);
 * lanes.enqueue(record, Date.now());
 * for (const lane of lanes.idle()) { const batch = lanes.take(lane, limits, readiness); ... }
 */
export class Lanes {
  private readonly queues: Queued[][];
  private readonly busy: boolean[];
  private queuedRecords = 0;
  private queuedEventBytes = 0;

  constructor(count: number) {
    this.queues = Array.from({ length: count }, () => []);
    this.busy = Array.from({ length: count }, () => false);
  }

  get queued(): number {
    return this.queuedRecords;
  }

  /** The queued records' event bytes (`ShardRecord.eventBytes`). */
  get queuedBytes(): number {
    return this.queuedEventBytes;
  }

  get inFlight(): number {
    return this.busy.filter(Boolean).length;
  }

  enqueue(record: ShardRecord, at: number): void {
    this.queues[this.laneOf(record.partitionKey)]?.push({ record, at });
    this.queuedRecords += 1;
    this.queuedEventBytes += record.eventBytes;
  }

  idle(): number[] {
    return this.busy.flatMap((busy, lane) => (busy ? [] : [lane]));
  }

  /** The next batch of an idle lane if it is ready (the lane is then busy until `release`). */
  take(lane: number, limits: CutLimits, readiness: Readiness): ShardRecord[] | undefined {
    const queue = this.queues[lane] ?? [];
    const oldest = queue[0];
    if (this.busy[lane] || oldest === undefined) return undefined;
    const cut = cutBatch(
      queue.map((queued) => queued.record),
      limits,
    );
    const waited = readiness.nowMs - oldest.at >= readiness.batchingWindowMs;
    if (!(cut.full || waited || readiness.drained)) return undefined;
    this.busy[lane] = true;
    const batch = queue.splice(0, cut.count).map((queued) => queued.record);
    this.queuedRecords -= batch.length;
    for (const record of batch) this.queuedEventBytes -= record.eventBytes;
    return batch;
  }

  /** Marks an idle lane busy for work that is not a batch of its queue (a tumbling window's final invoke). */
  reserve(lane: number): void {
    this.busy[lane] = true;
  }

  release(lane: number): void {
    this.busy[lane] = false;
  }

  /** Real time at which a waiting idle lane's batching window runs out, if any. */
  nextDeadline(batchingWindowMs: number): number | undefined {
    const deadlines = this.queues.flatMap((queue, lane) => {
      const oldest = queue[0];
      return this.busy[lane] || oldest === undefined ? [] : [oldest.at + batchingWindowMs];
    });
    return deadlines.length === 0 ? undefined : Math.min(...deadlines);
  }

  private laneOf(partitionKey: string): number {
    if (this.queues.length === 1) return 0;
    const hash = createHash('md5').update(partitionKey, 'utf8').digest();
    return hash.readUInt32BE(0) % this.queues.length;
  }
}
