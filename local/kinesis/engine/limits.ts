/**
 * Account and stream quotas the engine enforces, at AWS's defaults.
 * https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
 */
export const ACCOUNT_SHARD_LIMIT = 500;
export const ON_DEMAND_STREAM_LIMIT = 50;
export const ON_DEMAND_SHARDS = 4;
export const MAX_TAGS = 50;
export const MAX_CONSUMERS = 20;
export const DEFAULT_RETENTION_HOURS = 24;
export const MAX_RETENTION_HOURS = 8760;
export const DEFAULT_MAX_RECORD_KIB = 1024;
export const MAX_RECORD_KIB = 10240;
export const MAX_PUT_RECORDS_ENTRIES = 500;
/** PutRecords request cap: 5 MiB, or 10 MiB once the stream's record size was raised past 1 MiB. */
export const PUT_RECORDS_BYTES = 5 * 1024 * 1024;
export const PUT_RECORDS_BYTES_LARGE = 10 * 1024 * 1024;
export const GET_RECORDS_MAX = 10_000;
export const GET_RECORDS_BYTES = 10 * 1024 * 1024;
export const ITERATOR_LIFETIME_MS = 300_000;

/** The shard-level metrics Enable/DisableEnhancedMonitoring name (`ALL` stands for every one). */
export const SHARD_LEVEL_METRICS = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
] as const;
