import { compareSequenceNumbers } from './kinesisLocalSnapshot.ts';
import type { ReplayedShard } from './replayStream.ts';

/** The layout of `.local/data/checkpoints.json` (local/eventSourceMapping/fileCheckpoints.ts). */
export interface CheckpointFileContent {
  version: 1;
  mappings: Record<string, Record<string, { sequenceNumber?: string; [other: string]: unknown }>>;
}

export interface TranslatedCheckpoints {
  content: CheckpointFileContent;
  /** One line per checkpoint that could not be carried over exactly. */
  notes: string[];
}

/**
 * Rewrites each checkpoint's kinesis-local sequence number as the engine's number for the same
 * record, so that a mapping resumes exactly after the last record it had finished: nothing skipped,
 * nothing delivered twice. A checkpoint between records (the records after it were trimmed) goes
 * to the last imported record before it; one before every imported record of its shard goes to the
 * shard's StartingSequenceNumber (reading AFTER it starts at the first record). A checkpoint no
 * imported shard holds (its stream was not in the snapshot) loses its sequence number: that shard
 * starts over from the mapping's StartingPosition, and a note says so. Other fields (window state,
 * shardEnded) are kept; shard ids follow the new shards.
 *
 * @example
 * const { content, notes } = translateCheckpoints(JSON.parse(text), replayedShards);
 */
export function translateCheckpoints(
  content: CheckpointFileContent,
  shards: readonly ReplayedShard[],
): TranslatedCheckpoints {
  const notes: string[] = [];
  const mappings: CheckpointFileContent['mappings'] = {};
  for (const [mappingId, byShard] of Object.entries(content.mappings)) {
    const translated: Record<string, { sequenceNumber?: string; [other: string]: unknown }> = {};
    for (const [oldShardId, checkpoint] of Object.entries(byShard)) {
      const { sequenceNumber, ...rest } = checkpoint;
      const shard = owningShard(shards, oldShardId, sequenceNumber);
      if (shard === undefined) {
        if (sequenceNumber !== undefined) {
          notes.push(
            `${mappingId} ${oldShardId}: no imported shard holds sequence number ${sequenceNumber}; it starts over from its StartingPosition`,
          );
        }
        translated[oldShardId] = rest;
        continue;
      }
      translated[shard.shardId] =
        sequenceNumber === undefined ? rest : { ...rest, sequenceNumber: newNumberFor(shard, sequenceNumber) };
    }
    mappings[mappingId] = translated;
  }
  return { content: { version: 1, mappings }, notes };
}

/**
 * The imported shard a checkpoint belongs to: same old shard id and, since several streams may
 * have had a shard of that id, the one whose records hold the number, else whose range it falls in.
 */
function owningShard(
  shards: readonly ReplayedShard[],
  oldShardId: string,
  sequenceNumber: string | undefined,
): ReplayedShard | undefined {
  const candidates = shards.filter((shard) => shard.oldShardId === oldShardId);
  if (sequenceNumber === undefined) return candidates.length === 1 ? candidates[0] : undefined;
  return (
    candidates.find((shard) => shard.sequenceNumbers.some(([old]) => old === sequenceNumber)) ??
    candidates
      .filter((shard) => compareSequenceNumbers(shard.oldStartingSequenceNumber, sequenceNumber) <= 0)
      .sort((a, b) => compareSequenceNumbers(b.oldStartingSequenceNumber, a.oldStartingSequenceNumber))[0]
  );
}

function newNumberFor(shard: ReplayedShard, oldNumber: string): string {
  let last: string | undefined;
  for (const [old, fresh] of shard.sequenceNumbers) {
    if (compareSequenceNumbers(old, oldNumber) > 0) break;
    last = fresh;
  }
  return last ?? shard.startingSequenceNumber;
}
