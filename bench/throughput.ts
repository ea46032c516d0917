import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { toOutgoingRecord } from '../shared/events/outgoingRecord.ts';
import { validEvent } from '../shared/events/validateEvent.ts';
import { archivedObjects } from './archivedObjects.ts';
import { benchEvents } from './benchEvents.ts';
import { type BenchPipeline, type Invocation, postEvents } from './benchPipeline.ts';
import { type Checkpoints, readCheckpoints, recordsProcessed, waitForCheckpoints } from './consumerCheckpoints.ts';
import { dynamoDbItemBytes } from './dynamoDbItemBytes.ts';
import { MARKER_TYPE, putMarkers, sequenceNumbersByShard } from './streamMarkers.ts';

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
  /** The phase's records: every one processed once the consumer's checkpoints reached the markers. */
  records: number;
  /** Its invokes, the ones that answered a partial batch response, failed or timed out included. */
  invocations: number;
  failedInvocations: number;
  /** Records delivered per invoke (re-deliveries after a partial or failed invoke included). */
  meanBatch: number;
  meanDurationMs: number;
  /** Seconds from the first write until its checkpoints reached the markers. */
  caughtUpSeconds: number;
  /** ms from the last write's answer until then. */
  lagAfterLastWriteMs: number;
  /** Records over that wall time. */
  recordsPerSecond: number;
  /** Records over the sum of its invoke durations: what one busy instance does. */
  recordsPerBusySecond: number;
  /** Its `ok` invokes, for fitting durations against batch size. */
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
  /** First write to the moment all three consumers' checkpoints reached the markers. */
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
 *    gives both the same conditions: the same stream fill, and the three consumers reading the
 *    stream meanwhile, sharing the machine. The ratio of their rates is then the cost of the HTTP
 *    path alone (HTTP API, authorizer, ingest function).
 * 2. Once every write is answered, a marker record into every shard (`putMarkers`); each consumer
 *    is caught up when its mapping's checkpoint of every shard reached the marker. Every second
 *    meanwhile, the events written and the checkpoints; read against the stream's sequence
 *    numbers afterwards, the checkpoints tell how many records each consumer had processed.
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
  // The raw writer encodes its events within its rounds, as any producer writing to the stream must
  // (the HTTP writer's rounds likewise include building and serializing its request bodies).
  const encode = (events: readonly Record<string, unknown>[], offset: number) =>
    events.map((event, i) => {
      const { data, partitionKey } = toOutgoingRecord(offset + i, validEvent(event), context).outgoing;
      return { Data: data, PartitionKey: partitionKey };
    });
  const eventBytes = Math.round(
    httpEvents.reduce((sum, e) => sum + Buffer.byteLength(JSON.stringify(e)), 0) / perWriter,
  );
  const recordBytes = Math.round(encode(rawEvents, 0).reduce((sum, e) => sum + e.Data.byteLength, 0) / perWriter);

  const { kinesis } = pipeline.clients;
  const { streamName } = pipeline.runtime.endpoints;
  const firstInvoke = pipeline.invocations.length;
  const atStart = await readCheckpoints(pipeline.dataDir);
  let written = 0;
  let retries = 0;
  const snapshots: Array<{ second: number; posted: number; checkpoints: Checkpoints }> = [];
  const start = performance.now();
  const sample = async () => {
    const second = Math.round((performance.now() - start) / 100) / 10;
    const posted = written;
    snapshots.push({ second, posted, checkpoints: await readCheckpoints(pipeline.dataDir) });
  };
  const sampler = setInterval(() => void sample(), 1_000);
  const writers = {
    raw: async (from: number, to: number) => {
      await eachConcurrently(chunks(rawEvents.slice(from, to), batch), concurrency, async (chunk) => {
        await putAll(kinesis, streamName, encode(chunk, from));
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
  let lastAnswerMs = 0;
  const caughtUpMs: Record<Consumer, number> = { archive: 0, aggregate: 0, alert: 0 };
  let lag: LagSample[];
  try {
    for (let from = 0, turn = 0; from < perWriter; from += round, turn++) {
      const to = Math.min(from + round, perWriter);
      for (const writer of turn % 2 === 0 ? (['raw', 'http'] as const) : (['http', 'raw'] as const)) {
        const roundStart = performance.now();
        await writers[writer](from, to);
        busyMs[writer] += performance.now() - roundStart;
      }
    }
    lastAnswerMs = performance.now() - start;
    const markers = await putMarkers(kinesis, streamName);
    const drained = await waitForCheckpoints(pipeline.dataDir, markers, { since: start, timeoutMs: drainTimeoutMs });
    for (const consumer of CONSUMERS) {
      const ms = drained[consumer].caughtUpMs;
      if (ms === undefined)
        throw new Error(`${consumer}: not caught up within ${drainTimeoutMs} ms (${drained[consumer].shardsBehind})`);
      caughtUpMs[consumer] = ms;
    }
    endToEndSeconds = Math.max(...Object.values(caughtUpMs)) / 1000;
    await sample();
    lag = lagInRecords(snapshots, atStart, await sequenceNumbersByShard(kinesis, streamName), markers);
  } finally {
    clearInterval(sampler);
  }
  const rate = (ms: number) => Math.round(perWriter / (ms / 1000));

  const invokes = pipeline.invocations.slice(firstInvoke);
  const consumers = CONSUMERS.map((consumer) =>
    consumerFigures(consumer, invokes, { records: count, caughtUpMs: caughtUpMs[consumer], lastAnswerMs }),
  );
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

/** Records processed at each sample, from the checkpoints read against the stream's records. */
function lagInRecords(
  snapshots: ReadonlyArray<{ second: number; posted: number; checkpoints: Checkpoints }>,
  atStart: Checkpoints,
  sequences: ReadonlyMap<string, readonly bigint[]>,
  markers: ReadonlyMap<string, string>,
): LagSample[] {
  const processed = (checkpoints: Checkpoints, consumer: Consumer) =>
    recordsProcessed(checkpoints, consumer, sequences, markers) -
    recordsProcessed(atStart, consumer, sequences, markers);
  return snapshots.map(({ second, posted, checkpoints }) => ({
    second,
    posted,
    archived: processed(checkpoints, 'archive'),
    aggregated: processed(checkpoints, 'aggregate'),
    alerted: processed(checkpoints, 'alert'),
  }));
}

function consumerFigures(
  consumer: Consumer,
  invokes: readonly Invocation[],
  phase: { records: number; caughtUpMs: number; lastAnswerMs: number },
): ConsumerFigures {
  const { records } = phase;
  const own = invokes.filter((i) => i.consumer === consumer);
  const ok = own.filter((i) => i.outcome === 'ok');
  const delivered = own.reduce((sum, i) => sum + i.batchSize, 0);
  const busyMs = own.reduce((sum, i) => sum + i.durationMs, 0);
  return {
    consumer,
    records,
    invocations: own.length,
    failedInvocations: own.length - ok.length,
    meanBatch: own.length ? delivered / own.length : 0,
    meanDurationMs: own.length ? busyMs / own.length : 0,
    caughtUpSeconds: phase.caughtUpMs / 1000,
    lagAfterLastWriteMs: phase.caughtUpMs - phase.lastAnswerMs,
    recordsPerSecond: Math.round(records / (phase.caughtUpMs / 1000)),
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
  const items = await aggregateItems(pipeline);
  const aggregatedCount = items
    .filter((item) => String(item.pk).startsWith('T#'))
    .reduce((sum, item) => sum + Number(item.count), 0);
  const archivedUnique = new Set(archived).size;
  return { archivedUnique, archivedDuplicates: archived.length - archivedUnique, aggregatedCount };
}

/** The aggregate items, without those of the marker records (`T#bench_marker`, `TS#bench_marker#...`). */
async function aggregateItems(pipeline: BenchPipeline): Promise<Array<Record<string, unknown>>> {
  const items = await scanAll(pipeline, pipeline.runtime.endpoints.tables.AggregatesTable ?? '');
  const ofMarkers = (pk: string) => pk === `T#${MARKER_TYPE}` || pk.startsWith(`TS#${MARKER_TYPE}#`);
  return items.filter((item) => !ofMarkers(String(item.pk)));
}

async function aggregateWrites(pipeline: BenchPipeline): Promise<ThroughputResult['aggregates']> {
  const items = await aggregateItems(pipeline);
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
  // An object holding marker records only is the markers' own batch, not the phase's.
  const objects = (await archivedObjects(pipeline)).filter((o) => !o.ids.every((id) => id.startsWith('bench-marker-')));
  return { objects: objects.length, storedBytes: objects.reduce((sum, o) => sum + o.bytes, 0) };
}
