import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { pollUntil } from '../local/emulators.ts';
import { toOutgoingRecord } from '../shared/events/outgoingRecord.ts';
import { validEvent } from '../shared/events/validateEvent.ts';
import { archivedObjects } from './archivedObjects.ts';
import { type BenchPipeline, type Invocation, postEvents } from './benchPipeline.ts';
import { dynamoDbItemBytes } from './dynamoDbItemBytes.ts';

export const CONSUMERS = ['archive', 'aggregate', 'alert'] as const;
export type Consumer = (typeof CONSUMERS)[number];

export interface ThroughputOptions {
  /** Events each writer puts: through POST /events, and raw. Default 10,000. */
  events?: number;
  /** Events per POST (and records per raw PutRecords call). Default 500. */
  batch?: number;
  /** Requests in flight. Default 2. */
  concurrency?: number;
  /** Events each writer puts per round; the writers take turns. Default 1,000. */
  round?: number;
  /** Give up waiting for the consumers this long after the last post. Default 180 s. */
  drainTimeoutMs?: number;
}

export interface LagSample {
  second: number;
  posted: number;
  archived: number;
  aggregated: number;
  alerted: number;
}

export interface ConsumerFigures {
  consumer: Consumer;
  records: number;
  invocations: number;
  failedInvocations: number;
  meanBatch: number;
  meanDurationMs: number;
  /** Records over the wall time from the first post to its last invoke. */
  recordsPerSecond: number;
  /** Records over the sum of its invoke durations: what one busy instance does. */
  recordsPerBusySecond: number;
  /** The invokes themselves, for fitting durations against batch size. */
  invokes: Array<readonly [batchSize: number, durationMs: number]>;
}

export interface ThroughputResult {
  /** Events into the pipeline: `perWriter` from each writer. */
  events: number;
  perWriter: number;
  batch: number;
  concurrency: number;
  round: number;
  /** Mean JSON bytes of a posted event, and of the Kinesis record the ingest makes of it. */
  eventBytes: number;
  recordBytes: number;
  /** Seconds are the sums of each writer's rounds. */
  raw: { seconds: number; eventsPerSecond: number };
  /** `retries`: requests re-sending events the API had reported failed and retryable. */
  http: { seconds: number; eventsPerSecond: number; retries: number };
  /** First write to the moment all three consumers had processed every event. */
  endToEnd: { seconds: number; eventsPerSecond: number };
  lag: LagSample[];
  consumers: ConsumerFigures[];
  /** Checked in the sinks themselves after the run. */
  verified: { archivedUnique: number; archivedDuplicates: number; aggregatedCount: number };
  aggregates: {
    items: number;
    /** Sum of item versions: every successful PutItem raised one item's version by one. */
    writes: number;
    /** Writes of type-level items (`T#`, also in the byHour index) and of (type, source) items. */
    typeWrites: number;
    typeSourceWrites: number;
    meanTypeItemBytes: number;
    meanTypeSourceItemBytes: number;
  };
  alerts: { items: number; writes: number; notifications: number };
  archive: { objects: number; storedBytes: number };
}

const TYPES = ['page_view', 'click', 'purchase', 'signup'] as const;
const SOURCES = ['web', 'ios', 'android', 'search', 'checkout', 'billing'] as const;
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

/**
 * `count` events of about 500 bytes as a producer sends them: four ordinary types from six sources,
 * one in a hundred an `error` (enough for the error-burst rule to fire on some sources), most with a
 * value, event time now.
 */
function benchEvents(count: number, run: string): Array<Record<string, unknown>> {
  const time = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => ({
    id: `tput-${run}-${i}`,
    type: i % 100 === 0 ? 'error' : (TYPES[i % TYPES.length] as string),
    source: SOURCES[i % SOURCES.length] as string,
    subject: `user-${i % 997}`,
    time,
    ...(i % 5 === 0 ? {} : { value: (i % 1_000) + 1 }),
    data: {
      path: `/catalog/items/${i % 5_000}`,
      referrer: 'https://www.example.com/search?q=kinesis+pipeline+benchmark',
      userAgent: USER_AGENT,
      session: `session-${(i * 7919) % 100_000}`,
    },
  }));
}

/** Runs `work` over `items` with `concurrency` workers pulling in order. */
async function eachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** PutRecords of every entry, re-putting the entries Kinesis reports failed. Returns the calls made. */
async function putAll(client: KinesisClient, stream: string, entries: PutRecordsRequestEntry[]): Promise<void> {
  let pending = entries;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > 10) throw new Error(`raw PutRecords: ${pending.length} entries still failing after 10 attempts`);
    const output = await client.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
    pending = pending.filter((_, i) => output.Records?.[i]?.ErrorCode !== undefined);
  }
}

/**
 * Throughput of the whole local pipeline, on a pipeline that has seen no events yet:
 *
 * 1. Two writers put `events` events each into the pipeline's stream, taking turns in rounds of
 *    `round` events (which one goes first alternates): POST /events (`batch` a request,
 *    `concurrency` in flight), and a raw baseline writing the same kind of events, encoded as the
 *    ingest encodes them, with PutRecords (`batch` a call, `concurrency` in flight). Taking turns
 *    gives both the same conditions: kinesis-local slows down as a stream fills, and the three
 *    consumers read the stream meanwhile, sharing the machine. The ratio of their rates is then the
 *    cost of the HTTP path alone (HTTP API, authorizer, ingest function).
 * 2. Every second, how many events were written and how many each consumer had processed (from
 *    the mapping's invoke log), until all three have processed everything.
 * 3. The sinks checked: every event archived once, the aggregates counting each once; the writes
 *    each consumer made (item versions, objects).
 *
 * @example
 * const throughput = await benchThroughput(pipeline, { events: 10_000 });
 */
export async function benchThroughput(
  pipeline: BenchPipeline,
  options: ThroughputOptions = {},
): Promise<ThroughputResult> {
  const { events: perWriter = 10_000, batch = 500, concurrency = 2, round = 1_000 } = options;
  const { drainTimeoutMs = 180_000 } = options;
  const run = Date.now().toString(36);
  const httpEvents = benchEvents(perWriter, `${run}-http`);
  const rawEvents = benchEvents(perWriter, `${run}-raw`);
  const count = 2 * perWriter;
  const context = { receivedAt: new Date().toISOString(), ingestRequestId: 'bench-raw' };
  const rawEntries = rawEvents.map((event, i) => {
    const { data, partitionKey } = toOutgoingRecord(i, validEvent(event), context).outgoing;
    return { Data: data, PartitionKey: partitionKey };
  });
  const eventBytes = Math.round(
    httpEvents.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)), 0) / perWriter,
  );
  const recordBytes = Math.round(rawEntries.reduce((sum, e) => sum + e.Data.byteLength, 0) / perWriter);

  const { kinesis } = pipeline.clients;
  const { streamName } = pipeline.runtime.endpoints;
  const firstInvoke = pipeline.invocations.length;
  const processed = (consumer: Consumer) =>
    pipeline.invocations
      .slice(firstInvoke)
      .filter((i) => i.consumer === consumer && i.outcome === 'ok')
      .reduce((sum, i) => sum + i.batchSize, 0);
  let written = 0;
  let retries = 0;
  const lag: LagSample[] = [];
  const start = performance.now();
  const sample = () =>
    lag.push({
      second: Math.round((performance.now() - start) / 1000),
      posted: written,
      archived: processed('archive'),
      aggregated: processed('aggregate'),
      alerted: processed('alert'),
    });
  const sampler = setInterval(sample, 1_000);
  const writers = {
    raw: async (from: number, to: number) => {
      await eachConcurrently(chunks(rawEntries.slice(from, to), batch), concurrency, async (chunk) => {
        await putAll(kinesis, streamName, chunk);
        written += chunk.length;
      });
    },
    http: async (from: number, to: number) => {
      await eachConcurrently(chunks(httpEvents.slice(from, to), batch), concurrency, async (chunk) => {
        const time = new Date().toISOString();
        const posted = chunk.map((event) => ({ ...event, id: String(event.id), time }));
        retries += (await postEvents(pipeline, posted, 10)).retries;
        written += chunk.length;
      });
    },
  };
  const busyMs = { raw: 0, http: 0 };
  let endToEndSeconds: number;
  try {
    for (let from = 0, turn = 0; from < perWriter; from += round, turn++) {
      const to = Math.min(from + round, perWriter);
      for (const writer of turn % 2 === 0 ? (['raw', 'http'] as const) : (['http', 'raw'] as const)) {
        const roundStart = performance.now();
        await writers[writer](from, to);
        busyMs[writer] += performance.now() - roundStart;
      }
    }
    await pollUntil(async () => (CONSUMERS.every((c) => processed(c) >= count) ? true : undefined), {
      what: `all three consumers processing ${count} events`,
      timeoutMs: drainTimeoutMs,
      intervalMs: 50,
    });
    endToEndSeconds = (performance.now() - start) / 1000;
  } finally {
    clearInterval(sampler);
  }
  sample();
  const rate = (ms: number) => Math.round(perWriter / (ms / 1000));

  const invokes = pipeline.invocations.slice(firstInvoke);
  const consumers = CONSUMERS.map((consumer) => consumerFigures(consumer, invokes, start));
  const [verified, aggregates, alerts, archive] = await Promise.all([
    verify(pipeline, [...httpEvents, ...rawEvents]),
    aggregateWrites(pipeline),
    alertWrites(pipeline),
    archiveObjects(pipeline),
  ]);
  return {
    events: count,
    perWriter,
    batch,
    concurrency,
    round,
    eventBytes,
    recordBytes,
    raw: { seconds: busyMs.raw / 1000, eventsPerSecond: rate(busyMs.raw) },
    http: { seconds: busyMs.http / 1000, eventsPerSecond: rate(busyMs.http), retries },
    endToEnd: { seconds: endToEndSeconds, eventsPerSecond: Math.round(count / endToEndSeconds) },
    lag,
    consumers,
    verified,
    aggregates,
    alerts,
    archive,
  };
}

function consumerFigures(consumer: Consumer, invokes: readonly Invocation[], start: number): ConsumerFigures {
  const own = invokes.filter((i) => i.consumer === consumer);
  const ok = own.filter((i) => i.outcome === 'ok');
  const records = ok.reduce((sum, i) => sum + i.batchSize, 0);
  const busyMs = own.reduce((sum, i) => sum + i.durationMs, 0);
  const lastEnded = Math.max(...own.map((i) => i.endedAt));
  return {
    consumer,
    records,
    invocations: own.length,
    failedInvocations: own.length - ok.length,
    meanBatch: own.length ? records / ok.length : 0,
    meanDurationMs: own.length ? busyMs / own.length : 0,
    recordsPerSecond: Math.round(records / ((lastEnded - start) / 1000)),
    recordsPerBusySecond: Math.round(records / (busyMs / 1000)),
    invokes: ok.map((i) => [i.batchSize, i.durationMs] as const),
  };
}

async function scanAll(pipeline: BenchPipeline, table: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await pipeline.clients.documents.send(
      new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The archive holds each event once; the type-level aggregates add up to the events posted. */
async function verify(pipeline: BenchPipeline, events: ReadonlyArray<Record<string, unknown>>) {
  const ids = new Set(events.map((e) => String(e.id)));
  const archived = (await archivedObjects(pipeline)).flatMap((o) => o.ids).filter((id) => ids.has(id));
  const items = await scanAll(pipeline, pipeline.runtime.endpoints.tables.AggregatesTable ?? '');
  const aggregatedCount = items
    .filter((item) => String(item.pk).startsWith('T#'))
    .reduce((sum, item) => sum + Number(item.count), 0);
  const archivedUnique = new Set(archived).size;
  return { archivedUnique, archivedDuplicates: archived.length - archivedUnique, aggregatedCount };
}

async function aggregateWrites(pipeline: BenchPipeline): Promise<ThroughputResult['aggregates']> {
  const items = await scanAll(pipeline, pipeline.runtime.endpoints.tables.AggregatesTable ?? '');
  const writesOf = (prefix: string) =>
    items.filter((item) => String(item.pk).startsWith(prefix)).reduce((sum, item) => sum + Number(item.version), 0);
  const mean = (prefix: string) => {
    const some = items.filter((item) => String(item.pk).startsWith(prefix));
    return Math.round(some.reduce((sum, item) => sum + dynamoDbItemBytes(item), 0) / Math.max(1, some.length));
  };
  return {
    items: items.length,
    writes: items.reduce((sum, item) => sum + Number(item.version), 0),
    typeWrites: writesOf('T#'),
    typeSourceWrites: writesOf('TS#'),
    meanTypeItemBytes: mean('T#'),
    meanTypeSourceItemBytes: mean('TS#'),
  };
}

async function alertWrites(pipeline: BenchPipeline): Promise<ThroughputResult['alerts']> {
  const items = await scanAll(pipeline, pipeline.runtime.endpoints.tables.AlertsTable ?? '');
  return {
    items: items.length,
    writes: items.reduce((sum, item) => sum + Number(item.version), 0),
    notifications: items.reduce((sum, item) => sum + Number(item.firedCount ?? 0), 0),
  };
}

async function archiveObjects(pipeline: BenchPipeline): Promise<ThroughputResult['archive']> {
  const objects = await archivedObjects(pipeline);
  return { objects: objects.length, storedBytes: objects.reduce((sum, o) => sum + o.bytes, 0) };
}
