import { createHash } from 'node:crypto';

/** A fixed namespace for local mapping UUIDs (itself a random v4 UUID, chosen once). */
const NAMESPACE = '6f1f4a52-3b5e-4c8e-9a47-0d2b8e4c1a97';

/**
 * A stable UUID for a mapping: Lambda gives each mapping a UUID, which appears in S3 failure-record
 * keys; locally it is a name-based (version 5, SHA-1) UUID of the mapping's logical id, so it stays
 * the same across restarts. RFC 9562 section 5.5.
 *
 * @example
 * mappingUuid('ProcessEventSourceMappingKinesisEvents'); // always the same 'xxxxxxxx-xxxx-5xxx-...'
 */
export function mappingUuid(logicalId: string): string {
  const namespace = Buffer.from(NAMESPACE.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(namespace).update(logicalId, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
