import { stat, truncate } from 'node:fs/promises';
import { StorageCorruptionError } from './errors.ts';
import { checkFrame, type FrameCheck, PREFIX_BYTES } from './frameCodec.ts';
import type { HandlePool } from './handlePool.ts';
import { listShardFiles, pathIn, segmentName } from './shardFiles.ts';
import { ENTRY_BYTES, ShardIndex } from './shardIndex.ts';
import { ShardSegments } from './shardSegments.ts';
import { readShardState } from './shardState.ts';

/** A shard as recovery leaves it: every complete frame indexed, nothing partial on disk. */
export interface RecoveredShard {
  first: number;
  next: number;
  /** Logical byte offset just past the last frame. */
  end: number;
  lastArrivalMs: number | undefined;
  segments: ShardSegments;
  index: ShardIndex;
}

interface Anchor {
  position: number;
  offset: number;
  arrivalMs: number | undefined;
}

const SCAN_BLOCK_BYTES = 4 * 2 ** 20;
const REINDEX_BATCH = 65_536;

/**
 * Opens a shard directory after any crash. The log is the truth: index entries whose frame is not
 * complete in the log are dropped (walking back from the newest), frames after the newest valid
 * entry are checked (length, CRC, position) and indexed, and the first torn or garbage frame is
 * cut off with everything after it. Costs O(damaged tail), or one scan of the log if the index
 * is lost entirely.
 * @example const shard = await recoverShard(dir, pool, 1 << 20, console.log);
 */
export async function recoverShard(
  dir: string,
  pool: HandlePool,
  chunkEntries: number,
  log: (line: string) => void,
): Promise<RecoveredShard> {
  const listing = await listShardFiles(dir);
  const sizes = await Promise.all(
    listing.segments.map(async (base) => (await stat(pathIn(dir, segmentName(base)))).size),
  );
  const segments = new ShardSegments(dir, pool, listing.segments);
  const index = new ShardIndex(dir, pool, chunkEntries, listing.chunks);
  const state = await readShardState(dir);
  const probe = new FrameProbe(segments, sizes);

  let anchor: Anchor | undefined;
  const onDisk = await index.countOnDisk();
  for (let count = onDisk; count > 0 && count >= state.first && !anchor; count -= 1) {
    const entry = await index.read(count - 1, 1);
    const offset = entry.readDoubleLE(0);
    const length = await probe.frameAt(offset, count - 1);
    if (length !== undefined) anchor = { position: count, offset: offset + length, arrivalMs: entry.readDoubleLE(8) };
  }
  if (anchor && anchor.position < onDisk) log(`${dir}: dropped ${onDisk - anchor.position} index entries past the log`);
  anchor ??= await probe.logStart(state.first);
  if (anchor.position !== onDisk) await index.truncateTo(anchor.position);

  const scanned = await scanTail(dir, segments, sizes, index, anchor, log);
  return {
    first: Math.min(Math.max(state.first, probe.firstPositionFound ?? 0), scanned.position),
    next: scanned.position,
    end: scanned.offset,
    lastArrivalMs: scanned.position > 0 ? scanned.arrivalMs : undefined,
    segments,
    index,
  };
}

/**
 * A shard that has no directory yet (created by its first flush).
 * @example const shard = emptyShard(dir, pool, 1 << 20);
 */
export function emptyShard(dir: string, pool: HandlePool, chunkEntries: number): RecoveredShard {
  return {
    first: 0,
    next: 0,
    end: 0,
    lastArrivalMs: undefined,
    segments: new ShardSegments(dir, pool, []),
    index: new ShardIndex(dir, pool, chunkEntries, []),
  };
}

/** Reads frames at index-given offsets, treating anything out of the log's bounds as absent. */
class FrameProbe {
  firstPositionFound: number | undefined;

  constructor(
    private readonly segments: ShardSegments,
    private readonly sizes: readonly number[],
  ) {}

  /** The length of the complete, valid frame of `position` at `offset`, if it is there. */
  async frameAt(offset: number, position: number): Promise<number | undefined> {
    const at = this.segments.indexOf(offset);
    const base = this.segments.bases[at];
    if (base === undefined || !Number.isSafeInteger(offset) || offset < base) return undefined;
    const room = base + (this.sizes[at] ?? 0) - offset;
    if (room < PREFIX_BYTES) return undefined;
    const prefix = await this.segments.read(offset, PREFIX_BYTES);
    const length = PREFIX_BYTES + prefix.readUInt32LE(0);
    if (length > room) return undefined;
    const check = checkFrame(await this.segments.read(offset, length), 0);
    return check.kind === 'ok' && check.position === position ? check.length : undefined;
  }

  /** No usable index entry: start from the oldest segment's first frame (rebuilds the whole index). */
  async logStart(first: number): Promise<Anchor> {
    const base = this.segments.bases[0];
    if (base === undefined) return { position: first, offset: 0, arrivalMs: undefined };
    const room = this.sizes[0] ?? 0;
    const head =
      room >= PREFIX_BYTES
        ? checkFrame(await this.segments.read(base, Math.min(room, SCAN_BLOCK_BYTES)), 0)
        : undefined;
    const position = head?.kind === 'ok' ? head.position : first;
    this.firstPositionFound = position;
    return { position, offset: base, arrivalMs: undefined };
  }
}

/** Indexes every valid frame from the anchor on and cuts the log at the first invalid one. */
async function scanTail(
  dir: string,
  segments: ShardSegments,
  sizes: number[],
  index: ShardIndex,
  anchor: Anchor,
  log: (line: string) => void,
): Promise<Anchor> {
  let { position, offset, arrivalMs } = anchor;
  let at = segments.indexOf(offset);
  const pending: number[] = [];
  const flushEntries = async () => {
    if (pending.length === 0) return;
    const entries = Buffer.allocUnsafe((pending.length / 2) * ENTRY_BYTES);
    for (let i = 0; i < pending.length; i += 1) entries.writeDoubleLE(pending[i] as number, i * 8);
    await index.write(position - pending.length / 2, entries);
    pending.length = 0;
  };
  const first = position;
  let cut: string | undefined;
  while (at < segments.bases.length) {
    const base = segments.bases[at] as number;
    const segmentEnd = base + (sizes[at] ?? 0);
    if (offset >= segmentEnd) {
      const nextBase = segments.bases[at + 1];
      if (nextBase === undefined) break;
      if (nextBase !== offset) {
        cut = `gap before segment ${nextBase}`;
        break;
      }
      at += 1;
      continue;
    }
    let block = await segments.read(offset, Math.min(segmentEnd - offset, SCAN_BLOCK_BYTES));
    let used = 0;
    for (;;) {
      const check = checkFrame(block, used);
      if (check.kind === 'ok' && check.position === position) {
        pending.push(offset + used, check.arrivalMs);
        position += 1;
        arrivalMs = check.arrivalMs;
        used += check.length;
        if (pending.length >= REINDEX_BATCH * 2) await flushEntries();
        continue;
      }
      if (check.kind === 'short' && offset + used === segmentEnd) break;
      if (check.kind === 'short' && offset + used + check.needed <= segmentEnd) {
        if (used > 0) break; // the next block starts at this frame
        block = await segments.read(offset, check.needed); // one frame larger than a block
        continue;
      }
      cut = describe(check, position);
      break;
    }
    offset += used;
    if (cut) break;
  }
  await flushEntries();
  if (position > first) log(`${dir}: indexed ${position - first} records found in the log past the index`);
  if (cut) await cutLog(dir, segments, sizes, at, offset, cut, log);
  return { position, offset, arrivalMs };
}

function describe(check: FrameCheck, position: number): string {
  if (check.kind === 'ok') return `a frame of position ${check.position} where ${position} belongs`;
  return check.kind === 'short' ? 'a torn frame' : `a bad frame (${check.reason})`;
}

/** Truncates the segment at `offset` and deletes every later segment. */
async function cutLog(
  dir: string,
  segments: ShardSegments,
  sizes: number[],
  at: number,
  offset: number,
  reason: string,
  log: (line: string) => void,
): Promise<void> {
  const base = segments.bases[at];
  if (base === undefined) throw new StorageCorruptionError(`${dir}: cut outside the log`);
  const dropped = (sizes[at] ?? 0) - (offset - base);
  await truncate(pathIn(dir, segmentName(base)), offset - base);
  sizes[at] = offset - base;
  const later = await segments.deleteAfter(at);
  log(`${dir}: cut ${reason} at byte ${offset} (${dropped} bytes${later ? `, ${later} later segments` : ''})`);
}
