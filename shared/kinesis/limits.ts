/**
 * PutRecords limits. Streams default to 1 MiB records and 5 MiB requests; a stream created with a
 * larger `MaxRecordSizeInKiB` (up to 10 MiB) allows more, so these are configuration, not constants.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
 */
export interface PutRecordsLimits {
  /** Entries per PutRecords call (AWS: 500). */
  maxEntriesPerRequest: number;
  /** Data + partition key, in UTF-8 bytes, of one record. */
  maxRecordBytes: number;
  /** Sum of data + partition keys of one call. */
  maxRequestBytes: number;
}

export const MIB = 1024 * 1024;

export const DEFAULT_PUT_RECORDS_LIMITS: Readonly<PutRecordsLimits> = Object.freeze({
  maxEntriesPerRequest: 500,
  maxRecordBytes: 1 * MIB,
  maxRequestBytes: 5 * MIB,
});

/** Partition keys are 1..256 "Unicode characters"; counting UTF-16 code units is the stricter reading. */
export const MAX_PARTITION_KEY_LENGTH = 256;
