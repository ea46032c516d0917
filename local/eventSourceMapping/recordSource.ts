import type { _Record } from '@aws-sdk/client-kinesis';
import type { MappingRuntime } from './mappingRuntime.ts';
import { ShardReader } from './shardReader.ts';
import { SubscriptionReader } from './subscriptionReader.ts';
import type { Wakeup } from './wakeup.ts';

/** Where a shard without a checkpoint starts, or the checkpoint to resume after. */
export type StartPosition =
  | { type: 'TRIM_HORIZON' | 'LATEST' }
  | { type: 'AT_TIMESTAMP'; timestamp: Date }
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

export interface ShardPage {
  records: _Record[];
  /** The shard is closed and read to its end: its children may start. */
  ended: boolean;
  /** Nothing more to read right now: wait (for the next poll, or for a push) instead of reading again at once. */
  caughtUp: boolean;
}

/**
 * What a shard worker reads one shard from, in order: GetRecords polling (`ShardReader`, standard
 * mappings) or a SubscribeToShard push (`SubscriptionReader`, enhanced fan-out mappings). The worker
 * logic (filtering, batching, retries, checkpoints) is the same for both; only when to read differs.
 */
export interface RecordSource {
  /**
   * Pushed sources call the worker's wake-up when records arrive, so the worker reads at once;
   * polled ones are read again one poll interval after they were caught up.
   */
  readonly pushed: boolean;
  /** Up to `limit` records, in shard order. */
  read(limit: number): Promise<ShardPage>;
  /** Releases what the source holds open (a subscription); the worker calls it once, when it stops. */
  close(): Promise<void>;
}

const READ_AHEAD_BYTES = 1024 * 1024;

/**
 * The source of one shard for a mapping: a subscription when the mapping reads through a stream
 * consumer (`runtime.consumer`), GetRecords polling otherwise.
 *
 * @example
 * const reader = openRecordSource(runtime, 'shardId-000000000000', { type: 'TRIM_HORIZON' }, wakeup);
 */
export function openRecordSource(
  runtime: MappingRuntime,
  shardId: string,
  from: StartPosition,
  wakeup: Wakeup,
): RecordSource {
  if (runtime.consumer === undefined) return new ShardReader(runtime.kinesis, runtime.streamName, shardId, from);
  return new SubscriptionReader(runtime.consumer, shardId, from, {
    // Read-ahead beyond what the worker's lanes hold: one batch, at most 1 MiB of data (four
    // events of 256 KiB), so the next records are at hand as soon as a batch is taken.
    capacity: { records: runtime.settings.batchSize, bytes: READ_AHEAD_BYTES },
    wake: () => wakeup.wake(),
    warn: runtime.warn,
    label: `${runtime.mappingId} ${shardId}`,
  });
}
