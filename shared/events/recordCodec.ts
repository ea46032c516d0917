import type { PipelineRecord } from './eventSchema.ts';

const encoder = new TextEncoder();

/** The bytes of a record on the stream: UTF-8 JSON. */
export function encodeRecord(record: PipelineRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}
