/** `events/` holds valid pipeline records; `errors/` the records that were not, raw, with the reason. */
export const ARCHIVE_PREFIXES = ['events', 'errors'] as const;
export type ArchivePrefix = (typeof ARCHIVE_PREFIXES)[number];

/** What identifies a batch: its shard, its first and last sequence numbers, when its first record arrived. */
export interface BatchRange {
  shardId: string;
  firstSequence: string;
  lastSequence: string;
  /** Approximate arrival time of the batch's first record, epoch ms. */
  firstArrivalMs: number;
}

const twoDigits = (value: number) => String(value).padStart(2, '0');

/**
 * The object key of a batch: Hive-style partitions (`year=/month=/day=/hour=`, UTC) so Athena or
 * Glue can prune by arrival time without a crawler, then `<shardId>-<firstSequence>-<lastSequence>`.
 * A pure function of the batch, so a batch delivered again overwrites its object.
 *
 * @example
 * archiveKey('events', { shardId: 'shardId-000000000001', firstSequence: '49', lastSequence: '51', firstArrivalMs: Date.UTC(2026, 10, 25, 9, 59) });
 * // 'events/year=2026/month=11/day=25/hour=09/shardId-000000000001-49-51.ndjson.gz'
 */
export function archiveKey(prefix: ArchivePrefix, batch: BatchRange): string {
  return `${sameStartPrefix(prefix, batch)}${batch.lastSequence}.ndjson.gz`;
}

/**
 * What the key of every batch starting at the same record begins with: `archiveKey` up to the last
 * sequence number. After a bisected or re-cut redelivery, the objects under it other than the new
 * one hold the same records again (see `writeArchive`).
 *
 * @example
 * sameStartPrefix('events', batch); // 'events/year=2026/month=11/day=25/hour=09/shardId-000000000001-49-'
 */
export function sameStartPrefix(prefix: ArchivePrefix, batch: BatchRange): string {
  const arrival = new Date(batch.firstArrivalMs);
  const partitions = [
    `year=${arrival.getUTCFullYear()}`,
    `month=${twoDigits(arrival.getUTCMonth() + 1)}`,
    `day=${twoDigits(arrival.getUTCDate())}`,
    `hour=${twoDigits(arrival.getUTCHours())}`,
  ].join('/');
  return `${prefix}/${partitions}/${batch.shardId}-${batch.firstSequence}-`;
}
