import type { PutRecordsLimits } from './limits.ts';
import { type OutgoingRecord, packRecords } from './packRecords.ts';

/**
 * Splits packed calls into at most `concurrency` lanes, each holding every record of its partition
 * keys, in request order. Lanes are sent in parallel and the calls of one lane one after another,
 * so two events about the same subject are never written by racing calls: per-key order holds on
 * the first attempt. A request that fits one call stays one call.
 */
export function partitionKeyLanes(
  batches: OutgoingRecord[][],
  limits: PutRecordsLimits,
  concurrency: number,
): OutgoingRecord[][][] {
  const laneCount = Math.min(concurrency, batches.length);
  if (laneCount <= 1) return batches.length === 0 ? [] : [batches];
  const lanes: OutgoingRecord[][] = Array.from({ length: laneCount }, () => []);
  for (const batch of batches) {
    for (const record of batch) (lanes[laneOf(record.partitionKey, laneCount)] as OutgoingRecord[]).push(record);
  }
  return lanes.filter((lane) => lane.length > 0).map((lane) => packRecords(lane, limits).batches);
}

/** FNV-1a over the key's UTF-16 code units: cheap, stable, and spreads keys evenly enough. */
function laneOf(partitionKey: string, laneCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < partitionKey.length; i++) {
    hash ^= partitionKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % laneCount;
}
