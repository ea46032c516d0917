import { StorageCorruptionError } from './errors.ts';
import {
  checkFrame,
  decodeFrame,
  FRAME_OVERHEAD,
  type FrameRecord,
  payloadBytes,
  payloadLowerBound,
} from './frameCodec.ts';
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

/** The frames one pread covers: `count` frames from byte `start` to `stop`. */
interface Span {
  count: number;
  start: number;
  stop: number;
}

/**
 * Records from `from` on within limits, never fewer than the limits allow and `maxBytes` applied
 * exactly. The index gives each frame's length, hence an upper bound of its payload (exact unless it
 * has an explicit hash key): frames are chosen while those bounds fit, their contiguous bytes read
 * with one pread and decoded (each frame's CRC and position checked). Only when explicit hash keys
 * left budget unused does another round read on. Reading no more than is returned matters: the
 * records are views into the read buffer, so unused bytes there would stay alive with them.
 * @example await readRecords(index, segments, { next: 10, end: 900 }, 0, { maxRecords: 5, maxBytes: 1e6 });
 */
export async function readRecords(
  index: ShardIndex,
  segments: ShardSegments,
  extent: ReadExtent,
  from: number,
  limits: ReadLimits,
): Promise<FrameRecord[]> {
  const records: FrameRecord[] = [];
  let payload = 0;
  for (;;) {
    const position = from + records.length;
    const wanted = Math.min(limits.maxRecords - records.length, extent.next - position);
    if (wanted <= 0 || (records.length > 0 && payload >= limits.maxBytes)) return records;
    const span = await chooseFrames(index, extent, position, wanted, {
      budget: limits.maxBytes - payload,
      first: records.length === 0,
    });
    if (span.count === 0) return records;
    const bytes = await segments.read(span.start, span.stop - span.start);
    for (let at = 0, i = 0; i < span.count; i += 1) {
      const check = checkFrame(bytes, at);
      if (check.kind !== 'ok' || check.position !== position + i) {
        const found = check.kind === 'ok' ? `position ${check.position}` : check.kind;
        throw new StorageCorruptionError(`frame of position ${position + i} at offset ${span.start + at}: ${found}`);
      }
      const size = payloadBytes(bytes, at);
      if (records.length > 0 && payload + size > limits.maxBytes) return records;
      payload += size;
      records.push(decodeFrame(bytes, at));
      at += check.length;
    }
  }
}

/**
 * Frames from `position` whose payload upper bounds fit `budget` (the first record of a read always
 * fits). When not even one does by its upper bound but may by its lower bound, that one frame, so
 * that the caller's exact check decides.
 */
async function chooseFrames(
  index: ShardIndex,
  extent: ReadExtent,
  position: number,
  count: number,
  { budget, first }: { budget: number; first: boolean },
): Promise<Span> {
  const span: Span = { count: 0, start: 0, stop: 0 };
  let upperBound = 0;
  while (span.count < count) {
    const window = Math.min(INDEX_WINDOW, count - span.count);
    const at = position + span.count;
    const withNext = at + window < extent.next;
    const entries = await index.read(at, window + (withNext ? 1 : 0));
    for (let i = 0; i < window; i += 1) {
      const offset = entries.readDoubleLE(i * ENTRY_BYTES);
      const after = i + 1 < window || withNext ? entries.readDoubleLE((i + 1) * ENTRY_BYTES) : extent.end;
      const frameBytes = after - offset;
      const bytes = Math.max(0, frameBytes - FRAME_OVERHEAD);
      const fits = (first && span.count === 0) || upperBound + bytes <= budget;
      if (!fits) {
        const mayFit = span.count === 0 && payloadLowerBound(frameBytes) <= budget;
        if (mayFit) return { count: 1, start: offset, stop: after };
        return span;
      }
      if (span.count === 0) span.start = offset;
      upperBound += bytes;
      span.stop = after;
      span.count += 1;
    }
  }
  return span;
}
