import { hash } from 'node:crypto';
import { invalidArgument } from './errors.ts';

/**
 * Shard iterators: self-contained opaque strings (the engine keeps no per-iterator memory) that
 * carry the stream identity (name + creation ms), the shard index, the storage position to read
 * next and the issue time. A short digest catches strings that were not issued here.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html
 */
export interface IteratorState {
  streamName: string;
  streamCreatedMs: number;
  shardIndex: number;
  position: number;
  issuedMs: number;
}

const VERSION = 'k1';

const digest = (body: string): string => hash('md5', body, 'hex').slice(0, 12);

/**
 * @example decodeIterator(encodeIterator({ streamName: 's', streamCreatedMs: 1, shardIndex: 0, position: 3, issuedMs: 9 })).position // 3
 */
export function encodeIterator(state: IteratorState): string {
  const body = [
    VERSION,
    state.streamName,
    state.streamCreatedMs,
    state.shardIndex,
    state.position,
    state.issuedMs,
  ].join('|');
  return Buffer.from(`${body}|${digest(body)}`).toString('base64');
}

/** Decodes an iterator; anything this engine did not issue is AWS's InvalidArgumentException. */
export function decodeIterator(text: string): IteratorState {
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  const cut = decoded.lastIndexOf('|');
  const body = decoded.slice(0, cut);
  const parts = body.split('|');
  if (cut < 0 || parts.length !== 6 || parts[0] !== VERSION || decoded.slice(cut + 1) !== digest(body)) {
    throw invalidArgument('Invalid ShardIterator.');
  }
  const [, streamName, created, index, position, issued] = parts;
  const numbers = [created, index, position, issued].map(Number);
  if (!streamName || numbers.some((n) => !Number.isSafeInteger(n) || n < 0))
    throw invalidArgument('Invalid ShardIterator.');
  const [streamCreatedMs, shardIndex, positionValue, issuedMs] = numbers as [number, number, number, number];
  return { streamName, streamCreatedMs, shardIndex, position: positionValue, issuedMs };
}
