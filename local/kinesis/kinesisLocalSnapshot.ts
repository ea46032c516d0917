import { z } from 'zod';

/**
 * The snapshot kinesis-local 0.6 wrote in its PERSIST_PATH folder (`kinesis-data.json`), as far as
 * an import needs it: streams with their settings, shards (hash ranges and lineage), records and
 * consumers. Its format is kinesis-local's own (a Scala case class serialised with circe, shards
 * keyed by their JSON), read here only to move a project's data onto the local engine once.
 * https://github.com/etspaceman/kinesis-mock
 */
export const KINESIS_LOCAL_SNAPSHOT_FILE = 'kinesis-data.json';

export interface SnapshotRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Buffer;
}

export interface SnapshotShard {
  shardId: string;
  index: number;
  startingHashKey: string;
  endingHashKey: string;
  parentShardId: string | undefined;
  adjacentParentShardId: string | undefined;
  startingSequenceNumber: string;
  /** In sequence-number order. */
  records: SnapshotRecord[];
}

export interface SnapshotStream {
  name: string;
  status: string;
  mode: 'PROVISIONED' | 'ON_DEMAND';
  retentionHours: number;
  /** undefined: kinesis-local's default (1024 KiB). */
  maxRecordSizeKiB: number | undefined;
  encryption: { keyId: string } | undefined;
  shardLevelMetrics: string[];
  tags: Record<string, string>;
  /** In creation order (shard index). */
  shards: SnapshotShard[];
  consumers: Array<{ name: string; tags: Record<string, string> }>;
}

const hashRange = z.object({ StartingHashKey: z.string(), EndingHashKey: z.string() });
const shardKey = z.object({
  ShardId: z.string(),
  ShardIndex: z.number().int(),
  HashKeyRange: hashRange,
  ParentShardId: z.string().nullish(),
  AdjacentParentShardId: z.string().nullish(),
  SequenceNumberRange: z.object({ StartingSequenceNumber: z.string() }),
});
const record = z.object({ SequenceNumber: z.string(), PartitionKey: z.string(), Data: z.base64() });
const stream = z.object({
  streamName: z.string().min(1),
  streamStatus: z.string(),
  streamModeDetails: z.object({ StreamMode: z.enum(['PROVISIONED', 'ON_DEMAND']) }).nullish(),
  retentionPeriod: z.object({ length: z.number(), unit: z.string() }),
  maxRecordSizeInKiB: z.number().int().nullish(),
  encryptionType: z.string().nullish(),
  keyId: z.string().nullish(),
  enhancedMonitoring: z.array(z.object({ ShardLevelMetrics: z.array(z.string()).nullish() })).nullish(),
  tags: z.record(z.string(), z.string()).nullish(),
  shards: z.record(z.string(), z.array(record)),
  consumers: z.record(
    z.string(),
    z.object({ ConsumerName: z.string(), Tags: z.record(z.string(), z.string()).nullish() }),
  ),
});
const snapshot = z.object({ streams: z.record(z.string(), stream) });

/** The snapshot is not JSON, or not the layout kinesis-local 0.6 writes. */
export class KinesisLocalSnapshotError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

const HOURS_PER_UNIT: Record<string, number> = { HOURS: 1, DAYS: 24 };

/**
 * Parses the text of a kinesis-local snapshot; throws KinesisLocalSnapshotError when it cannot.
 *
 * @example
 * const streams = parseKinesisLocalSnapshot(await readFile('.local/data/kinesis/kinesis-data.json', 'utf8'));
 * streams[0]?.shards[0]?.records.length; // 9
 */
export function parseKinesisLocalSnapshot(text: string): SnapshotStream[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new KinesisLocalSnapshotError('it is not valid JSON (cut short by a crash?)', { cause: error });
  }
  const parsed = snapshot.safeParse(json);
  if (!parsed.success) {
    throw new KinesisLocalSnapshotError(`it is not kinesis-local 0.6's layout: ${z.prettifyError(parsed.error)}`);
  }
  return Object.values(parsed.data.streams).map(toStream);
}

function toStream(raw: z.infer<typeof stream>): SnapshotStream {
  const hours = HOURS_PER_UNIT[raw.retentionPeriod.unit];
  if (hours === undefined) {
    throw new KinesisLocalSnapshotError(`stream ${raw.streamName}: unknown retention unit ${raw.retentionPeriod.unit}`);
  }
  const shards = Object.entries(raw.shards).map(([key, records]) => toShard(raw.streamName, key, records));
  return {
    name: raw.streamName,
    status: raw.streamStatus,
    mode: raw.streamModeDetails?.StreamMode ?? 'PROVISIONED',
    retentionHours: raw.retentionPeriod.length * hours,
    maxRecordSizeKiB: raw.maxRecordSizeInKiB ?? undefined,
    encryption: raw.encryptionType === 'KMS' && raw.keyId ? { keyId: raw.keyId } : undefined,
    shardLevelMetrics: [...new Set((raw.enhancedMonitoring ?? []).flatMap((m) => m.ShardLevelMetrics ?? []))],
    tags: raw.tags ?? {},
    shards: shards.sort((a, b) => a.index - b.index),
    consumers: Object.values(raw.consumers).map((c) => ({ name: c.ConsumerName, tags: c.Tags ?? {} })),
  };
}

/** kinesis-local keys each shard's record list by the shard's own JSON. */
function toShard(streamName: string, key: string, records: z.infer<typeof record>[]): SnapshotShard {
  let shard: z.infer<typeof shardKey>;
  try {
    shard = shardKey.parse(JSON.parse(key));
  } catch (error) {
    throw new KinesisLocalSnapshotError(`stream ${streamName}: unreadable shard ${key.slice(0, 200)}`, {
      cause: error,
    });
  }
  const ordered = records
    .map((r) => ({
      sequenceNumber: r.SequenceNumber,
      partitionKey: r.PartitionKey,
      data: Buffer.from(r.Data, 'base64'),
    }))
    .sort((a, b) => compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber));
  return {
    shardId: shard.ShardId,
    index: shard.ShardIndex,
    startingHashKey: shard.HashKeyRange.StartingHashKey,
    endingHashKey: shard.HashKeyRange.EndingHashKey,
    parentShardId: shard.ParentShardId ?? undefined,
    adjacentParentShardId: shard.AdjacentParentShardId ?? undefined,
    startingSequenceNumber: shard.SequenceNumberRange.StartingSequenceNumber,
    records: ordered,
  };
}

/** Sequence numbers are decimal strings: compare as BigInt, never as text. */
export function compareSequenceNumbers(a: string, b: string): number {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
