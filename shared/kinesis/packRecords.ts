import type { PutRecordsLimits } from './limits.ts';
import { MAX_PARTITION_KEY_LENGTH } from './limits.ts';

/** One record to put, tagged with its position in the caller's list. */
export interface OutgoingRecord {
  index: number;
  data: Uint8Array;
  partitionKey: string;
  explicitHashKey?: string;
}

/** A record that can never be written, with the reason. */
export interface RejectedRecord {
  index: number;
  code: 'record_too_large' | 'invalid_partition_key';
  message: string;
}

export interface PackedRecords {
  /** PutRecords calls to make, each within every limit, records in the caller's order. */
  batches: OutgoingRecord[][];
  rejected: RejectedRecord[];
}

/** Size AWS counts against the record and request limits: data plus partition key, in UTF-8 bytes. */
export function recordSize(record: Pick<OutgoingRecord, 'data' | 'partitionKey'>): number {
  return record.data.byteLength + Buffer.byteLength(record.partitionKey, 'utf8');
}

function rejectionOf(record: OutgoingRecord, limits: PutRecordsLimits, size: number): RejectedRecord | undefined {
  const keyLength = record.partitionKey.length;
  if (keyLength < 1 || keyLength > MAX_PARTITION_KEY_LENGTH) {
    return {
      index: record.index,
      code: 'invalid_partition_key',
      message: `partition key must be 1..${MAX_PARTITION_KEY_LENGTH} characters, got ${keyLength}`,
    };
  }
  const maxBytes = Math.min(limits.maxRecordBytes, limits.maxRequestBytes);
  if (size > maxBytes) {
    return {
      index: record.index,
      code: 'record_too_large',
      message: `record is ${size} bytes (data + partition key), over the ${maxBytes}-byte limit`,
    };
  }
  return undefined;
}

/**
 * Packs records greedily, in order, into as few PutRecords calls as the limits allow.
 * Records that can never be sent are returned as `rejected` instead of failing the whole pack.
 *
 * @example
 * const { batches, rejected } = packRecords(records, DEFAULT_PUT_RECORDS_LIMITS);
 */
export function packRecords(records: readonly OutgoingRecord[], limits: PutRecordsLimits): PackedRecords {
  const batches: OutgoingRecord[][] = [];
  const rejected: RejectedRecord[] = [];
  let current: OutgoingRecord[] = [];
  let currentBytes = 0;
  for (const record of records) {
    const size = recordSize(record);
    const rejection = rejectionOf(record, limits, size);
    if (rejection) {
      rejected.push(rejection);
      continue;
    }
    const full = current.length === limits.maxEntriesPerRequest || currentBytes + size > limits.maxRequestBytes;
    if (full) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(record);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return { batches, rejected };
}
