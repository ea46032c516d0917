import { StorageCorruptionError } from './errors.ts';
import { checkFrame, decodeFrame, type FrameRecord, payloadBytes, payloadLowerBound } from './frameCodec.ts';
import { ENTRY_BYTES, type ShardIndex } from './shardIndex.ts';
import type { ShardSegments } from './shardSegments.ts';
import type { ReadLimits } from './types.ts';

/** The committed extent of a shard that a read may cover. */
export interface ReadExtent {
  /** Positions below this are held (callers clamp the start to `first`). */
  next: number;
  /** Logical byte offset just past frame `next - 1`. */
  end: number;
}

const INDEX_WINDOW = 4096;

/**
 * Records from `from` on within limits: reads index entries to choose the frames (a lower bound of
 * their payload, so never fewer than the limits allow), one pread of their contiguous bytes, then
 * decodes them, checking each frame's CRC and position and applying `maxBytes` exactly.
 * @example await readRecords(index, segments, { next: 10, end: 900 }, 0, { maxRecords: 5, maxBytes: 1e6 });
 */
export async function readRecords(
  index: ShardIndex,
  segments: ShardSegments,
  extent: ReadExtent,
  from: number,
  limits: ReadLimits,
): Promise<FrameRecord[]> {
  const count = Math.min(limits.maxRecords, extent.next - from);
  if (count <= 0) return [];
  let chosen = 0;
  let lowerBound = 0;
  let start = 0;
  let stop = 0;
  choose: while (chosen < count) {
    const window = Math.min(INDEX_WINDOW, count - chosen);
    const position = from + chosen;
    const withNext = position + window < extent.next;
    const entries = await index.read(position, window + (withNext ? 1 : 0));
    for (let i = 0; i < window; i += 1) {
      const offset = entries.readDoubleLE(i * ENTRY_BYTES);
      const after = i + 1 < window || withNext ? entries.readDoubleLE((i + 1) * ENTRY_BYTES) : extent.end;
      const bytes = payloadLowerBound(after - offset);
      if (chosen > 0 && lowerBound + bytes > limits.maxBytes) break choose;
      if (chosen === 0) start = offset;
      lowerBound += bytes;
      stop = after;
      chosen += 1;
    }
  }
  const bytes = await segments.read(start, stop - start);
  const records: FrameRecord[] = [];
  let payload = 0;
  for (let at = 0, i = 0; i < chosen; i += 1) {
    const check = checkFrame(bytes, at);
    if (check.kind !== 'ok' || check.position !== from + i) {
      const found = check.kind === 'ok' ? `position ${check.position}` : check.kind;
      throw new StorageCorruptionError(`frame of position ${from + i} at offset ${start + at}: ${found}`);
    }
    const size = payloadBytes(bytes, at);
    if (i > 0 && payload + size > limits.maxBytes) break;
    payload += size;
    records.push(decodeFrame(bytes, at));
    at += check.length;
  }
  return records;
}
