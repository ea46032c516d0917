import { pathToFileURL } from 'node:url';

/**
 * Monthly AWS cost of this configuration for a stated workload, per component, from public
 * us-east-1 list prices written below. Run alone (`npx tsx bench/costModel.ts`) it uses the
 * assumptions in DEFAULT_MEASUREMENTS; `npm run bench` passes what it measured instead.
 */

/**
 * us-east-1 list prices, USD, as the author knew them on PRICES_DATE: from memory of the AWS pricing
 * pages, not fetched. Check them against https://aws.amazon.com/pricing/ before relying on a figure.
 */
export const PRICES_DATE = '2026-11-25';
export const PRICES = {
  kinesisOnDemand: {
    streamHour: 0.04,
    /** Per GB ingested; each record is rounded up to the next KB. */
    ingestPerGb: 0.08,
    /** Per GB delivered to an enhanced fan-out consumer; records rounded up to the next KB. */
    efoRetrievalPerGb: 0.05,
    /**
     * Per consumer per shard per hour: a charge of provisioned mode. The on-demand price list as we
     * know it bills enhanced fan-out per GB only; kept here (conservatively) until checked.
     */
    efoConsumerShardHour: 0.015,
  },
  lambda: {
    perMillionRequests: 0.2,
    /** arm64 (the configured architecture), first pricing tier. */
    perGbSecond: 0.0000133334,
  },
  dynamoDbOnDemand: {
    /** Per million write request units (1 per started KB of item, again for a GSI the write touches). */
    perMillionWrites: 0.625,
    /** Per million read request units (1 per started 4 KB, strongly consistent). */
    perMillionReads: 0.125,
    storagePerGbMonth: 0.25,
  },
  s3Standard: {
    perThousandPutOrList: 0.005,
    storagePerGbMonth: 0.023,
  },
  /** HTTP API: per million requests (first 300 million a month); each 512 KB counts as a request. */
  apiGatewayHttpPerMillion: 1.0,
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
} as const;

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
}

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

const GB = 1024 ** 3;

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

/**
 * The monthly cost lines of the workload.
 *
 * @example
 * const lines = costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS);
 * const total = lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
 */
export function costModel(workload: Workload, measured: Measurements): CostLine[] {
  const seconds = workload.days * 86_400;
  const hours = workload.days * 24;
  const events = workload.eventsPerSecond * seconds;
  const eventsPerRecord = workload.eventsPerRecord ?? 1;
  const aggregated = eventsPerRecord !== 1;
  const records = events / eventsPerRecord;
  const recordBytes = recordBytesOf(workload.eventBytes, eventsPerRecord);
  const billedKb = Math.ceil(recordBytes / 1024);
  const streamGb = (records * billedKb * 1024) / GB;
  const recordsPerShard = workload.eventsPerSecond / workload.shards / eventsPerRecord;
  const lines: CostLine[] = [];
  const add = (component: string, item: string, quantity: string, monthlyUsd: number) =>
    lines.push({ component, item, quantity, monthlyUsd });
  const millions = (n: number) => `${(n / 1e6).toFixed(1)} M`;

  const k = PRICES.kinesisOnDemand;
  add('Kinesis (on-demand)', 'stream hours', `${hours} h`, hours * k.streamHour);
  add(
    'Kinesis (on-demand)',
    aggregated
      ? `data in (records rounded up to 1 KB; ${eventsPerRecord.toFixed(1)} events, ~${(recordBytes / 1024).toFixed(1)} KB a record)`
      : 'data in (records rounded up to 1 KB)',
    `${streamGb.toFixed(0)} GB`,
    streamGb * k.ingestPerGb,
  );
  add(
    'Kinesis (on-demand)',
    `EFO retrieval, ${CONFIGURATION.consumers} consumers`,
    `${(streamGb * CONFIGURATION.consumers).toFixed(0)} GB`,
    streamGb * CONFIGURATION.consumers * k.efoRetrievalPerGb,
  );
  const consumerShardHours = CONFIGURATION.consumers * workload.shards * hours;
  add(
    'Kinesis (on-demand)',
    'EFO consumer-shard hours (check: may not apply on-demand)',
    `${consumerShardHours} h`,
    consumerShardHours * k.efoConsumerShardHour,
  );

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
  consumerLambda('archive', archive, measured.archive, CONFIGURATION.archive.memoryMb);
  consumerLambda('aggregate', aggregate, measured.aggregate, CONFIGURATION.aggregate.memoryMb);
  consumerLambda('alert', alert, measured.alert, CONFIGURATION.alert.memoryMb);

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
  // Per archive batch: one PutObject and two ListObjectsV2 (earlier cuts of the batch; see writeArchive).
  const s3Requests = archive.invokes * 3;
  add(
    'S3',
    'archive PUT + 2 LIST per batch',
    `${millions(s3Requests)} requests`,
    (s3Requests / 1000) * s.perThousandPutOrList,
  );
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
    `Measurements: ${DEFAULT_MEASUREMENTS.source}. Prices: us-east-1 list prices of ${PRICES_DATE}, to check.\n`,
  );
  console.log(costTable(costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS)));
}
