import { hash } from 'node:crypto';
import { invalidArgument } from './errors.ts';

/**
 * The 128-bit hash key space shards divide. A partition key maps to MD5(UTF-8 key) read as an
 * unsigned big-endian integer; an ExplicitHashKey (decimal) replaces it.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html
 *
 * Hash keys are handled as 32-digit lowercase hex strings on the write path: two such strings
 * compare like the numbers they spell, so routing needs no BigInt per record.
 */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

/** Hex form (32 digits, zero padded) of a hash key. */
export function hashKeyHex(value: bigint): string {
  return value.toString(16).padStart(32, '0');
}

/** Recently hashed keys: producers reuse partition keys, and MD5 is most of the write path's CPU. */
const recentHashes = new Map<string, string>();
const RECENT_HASHES_MAX = 20_000;

/**
 * @example partitionKeyHashHex('a') // '0cc175b9c0f1b6a831c399e269772661'
 */
export function partitionKeyHashHex(partitionKey: string): string {
  let hex = recentHashes.get(partitionKey);
  if (hex === undefined) {
    hex = hash('md5', partitionKey, 'hex');
    // Clearing whole keeps memory bounded without LRU bookkeeping on every hit.
    if (recentHashes.size >= RECENT_HASHES_MAX) recentHashes.clear();
    recentHashes.set(partitionKey, hex);
  }
  return hex;
}

/**
 * Parses an ExplicitHashKey (the wire checked its pattern); out of range is AWS's InvalidArgument.
 * @example explicitHashKeyHex('0') // '00000000000000000000000000000000'
 */
export function explicitHashKeyHex(decimal: string): string {
  let value: bigint;
  try {
    value = BigInt(decimal);
  } catch {
    throw invalidArgument(
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${decimal}`,
    );
  }
  if (value < 0n || value > MAX_HASH_KEY || !/^\d+$/.test(decimal)) {
    throw invalidArgument(
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${decimal}`,
    );
  }
  return hashKeyHex(value);
}

export interface HashRange {
  start: bigint;
  end: bigint;
}

/**
 * Splits [from, to] into `count` contiguous ranges the way AWS lays out a new stream: range i starts
 * at from + floor(i * size / count), so the last range absorbs the remainder.
 * @example evenHashRanges(2)[1]?.start // 2n ** 127n
 */
export function evenHashRanges(count: number, from = 0n, to = MAX_HASH_KEY): HashRange[] {
  const size = to - from + 1n;
  const n = BigInt(count);
  const ranges: HashRange[] = [];
  for (let i = 0n; i < n; i++) {
    const start = from + (i * size) / n;
    const end = from + ((i + 1n) * size) / n - 1n;
    ranges.push({ start, end });
  }
  return ranges;
}
