import { EVENT_ENVELOPE_BYTES, isOversized, MAX_INVOKE_PAYLOAD_BYTES } from './event.ts';
import type { ShardRecord } from './types.ts';

export interface CutLimits {
  batchSize: number;
  /** Bytes of the event taken by something other than records (a tumbling window's state). */
  reservedBytes: number;
  /** Records of different keys never share a batch (tumbling windows: the window start). */
  groupOf?: (record: ShardRecord) => number;
}

export interface Cut {
  count: number;
  /** A limit cut the batch: it cannot grow by waiting, so it goes now, batching window or not. */
  full: boolean;
}

/**
 * How many of the queued records (oldest first) the next batch takes: up to BatchSize, up to the
 * 6 MB invoke payload (base64 data and metadata), and one window only with tumbling windows. A
 * record too large to ever be invoked comes alone, so that it can go to the destination.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#kinesis-polling-and-batching
 *
 * @example
 * cutBatch(queue, { batchSize: 100, reservedBytes: 0 }); // { count: 37, full: true } at 6 MB
 */
export function cutBatch(queue: readonly ShardRecord[], limits: CutLimits): Cut {
  const first = queue[0];
  if (first === undefined) return { count: 0, full: false };
  if (isOversized(first)) return { count: 1, full: true };
  const group = limits.groupOf?.(first);
  let bytes = EVENT_ENVELOPE_BYTES + limits.reservedBytes;
  let count = 0;
  for (const record of queue) {
    if (count === limits.batchSize) return { count, full: true };
    const fits = bytes + record.eventBytes + 1 <= MAX_INVOKE_PAYLOAD_BYTES;
    const sameGroup = group === undefined || limits.groupOf?.(record) === group;
    if (isOversized(record) || !fits || !sameGroup) return { count: Math.max(count, 1), full: true };
    bytes += record.eventBytes + 1;
    count += 1;
  }
  return { count, full: count === limits.batchSize };
}
