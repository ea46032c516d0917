import type { PipelineRecord } from './eventSchema.ts';

/** The bytes of a record on the stream: UTF-8 JSON. (Buffer.from beats TextEncoder on Node.) */
export function encodeRecord(record: PipelineRecord): Uint8Array {
  return Buffer.from(JSON.stringify(record), 'utf8');
}
