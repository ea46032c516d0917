/**
 * The engine's metadata: what it persists in `<dataDir>/kinesis-engine.json` (records live in one
 * StreamStore per stream). Times are epoch ms of the engine clock. States with a deadline
 * (CREATING until `readyAtMs`, UPDATING until `updatingUntilMs`, DELETING until `goneAtMs`) are
 * read through the clock rather than flipped by timers, so an injected clock drives them.
 */

export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';

export interface ShardMeta {
  shardId: string;
  /** Creation order within the stream; leads the sequence numbers. */
  index: number;
  /** Inclusive hash key range, decimal. */
  startingHashKey: string;
  endingHashKey: string;
  /** Hex form of startingHashKey (routing compares these). */
  startHex: string;
  parentShardId?: string;
  adjacentParentShardId?: string;
  createdMs: number;
  /** Set once resharding closed it. */
  closedMs?: number;
  /** Storage `next` when closed: positions below it are the shard's records. */
  endPosition?: number;
}

export interface ConsumerMeta {
  name: string;
  arn: string;
  createdMs: number;
  readyAtMs: number;
  /** Set by DeregisterStreamConsumer: DELETING until then, gone after. */
  goneAtMs?: number;
  tags: Record<string, string>;
}

export interface StreamMeta {
  name: string;
  createdMs: number;
  mode: StreamMode;
  retentionHours: number;
  maxRecordSizeKiB: number;
  readyAtMs: number;
  updatingUntilMs?: number;
  goneAtMs?: number;
  encryption?: { type: 'KMS'; keyId: string };
  shardLevelMetrics: string[];
  tags: Record<string, string>;
  shards: ShardMeta[];
  consumers: ConsumerMeta[];
  /** Monotonic shard counter (names and sequence numbers). */
  nextShardIndex: number;
}

export interface EngineMetadata {
  version: 1;
  streams: StreamMeta[];
}

export type StreamStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';

/** A stream's status at `now`. */
export function streamStatus(stream: StreamMeta, now: number): StreamStatus {
  if (stream.goneAtMs !== undefined) return 'DELETING';
  if (now < stream.readyAtMs) return 'CREATING';
  if (stream.updatingUntilMs !== undefined && now < stream.updatingUntilMs) return 'UPDATING';
  return 'ACTIVE';
}

/** A consumer's status at `now`. */
export function consumerStatus(consumer: ConsumerMeta, now: number): 'CREATING' | 'ACTIVE' | 'DELETING' {
  if (consumer.goneAtMs !== undefined) return 'DELETING';
  return now < consumer.readyAtMs ? 'CREATING' : 'ACTIVE';
}

/** `shardId-000000000007` */
export function shardIdOf(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

export const isOpen = (shard: ShardMeta): boolean => shard.closedMs === undefined;
