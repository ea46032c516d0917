import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type PutRecordsCommand,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import { seededRandom } from '../cli/sampleEvents.ts';
import { planAggregates } from '../functions/aggregate/planAggregates.ts';
import { planAlerts } from '../functions/alert/planAlerts.ts';
import { loadRules } from '../functions/alert/rules/loadRules.ts';
import { planArchive } from '../functions/archive/planArchive.ts';
import { type EventSource, lambdaRecord, toShardRecord } from '../local/eventSourceMapping/event.ts';
import { SHARD_WRITE_BYTES_PER_S, SHARD_WRITE_RECORDS_PER_S } from '../local/kinesis/engine/shardLimiter.ts';
import { startKinesisEngine } from '../local/kinesis/index.ts';
import { toOutgoingRecord } from '../shared/events/outgoingRecord.ts';
import { validEvent } from '../shared/events/validateEvent.ts';
import { DEFAULT_AGGREGATED_RECORD_BYTES, withAggregation } from '../shared/kinesis/aggregatingProducer.ts';
import { deaggregate } from '../shared/kinesis/kplAggregation.ts';
import type { OutgoingRecord } from '../shared/kinesis/packRecords.ts';
import { createProducer, type Producer, type PutRecordsSender } from '../shared/kinesis/producer.ts';
import { type CostLine, costModel, DEFAULT_WORKLOAD, type Measurements, type Workload } from './costModel.ts';
import { benchKinesisClient, createActiveStream } from './kinesisLoad.ts';
import { machineDescription } from './machine.ts';

/**
 * KPL aggregation, off and on (shared/kinesis/aggregatingProducer.ts), on the same events: Kinesis
 * records per 1,000 events (counted on the stream), the highest events/s one shard takes with the
 * engine's shard limits on, the consumers' decode-and-plan CPU per 1,000 events, and the cost
 * model's monthly figure. Everything runs in this process against `startKinesisEngine`.
 */

/** How events get their partition key: `source` (no `subject`: 6 keys) or `subject` (one of ~1,000 users). */
export type Keying = 'source' | 'user';
export type Mode = 'off' | 'on';
const KEYINGS: readonly Keying[] = ['source', 'user'];
const MODES: readonly Mode[] = ['off', 'on'];

const TYPES = ['page_view', 'click', 'purchase', 'signup'] as const;
const SOURCES = ['web', 'ios', 'android', 'search', 'checkout', 'billing'] as const;
const USERS = 1_000;

/** Events per PutRecords-sized put, as POST /events takes them (up to 500). */
const CALL_EVENTS = 500;
/** Puts in flight at once in the shard-limit runs. */
const WRITERS = 4;

/** The constant part of every Lambda record: a stream and role named as the deployed ones are. */
const LAMBDA_SOURCE: EventSource = {
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/kinesis-pipeline-bench-events',
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::000000000000:role/kinesis-pipeline-bench-consumer',
};

/**
 * A producer's events of about 300 bytes as ingest writes them (one in a hundred an `error`, most
 * with a value), from a seeded generator: the same seed gives the same events, so aggregation off
 * and on see identical ones. Keyed by `source`, the user goes in `data.user` instead of `subject`,
 * so both keyings carry the same bytes. Ids are `agg-<run>-<i>`.
 */
class EventGenerator {
  #next = 0;
  #calls = 0;
  readonly #random: () => number;

  constructor(
    readonly keying: Keying,
    readonly run: string,
    seed = 42,
  ) {
    this.#random = seededRandom(seed);
  }

  /** Events handed out so far. */
  get count(): number {
    return this.#next;
  }

  /** The next `count` events, encoded as ingest encodes one request of them. */
  take(count: number): { outgoing: OutgoingRecord[]; eventJsonBytes: number } {
    const random = this.#random;
    const now = new Date().toISOString();
    const context = { receivedAt: now, ingestRequestId: `bench-aggregation-${this.run}-${this.#calls++}` };
    const outgoing: OutgoingRecord[] = [];
    let eventJsonBytes = 0;
    for (let k = 0; k < count; k++) {
      const i = this.#next++;
      const user = `user-${Math.floor(random() * USERS)}`;
      const source = SOURCES[Math.floor(random() * SOURCES.length)] as string;
      const type = random() < 0.01 ? 'error' : (TYPES[Math.floor(random() * TYPES.length)] as string);
      const value = random() < 0.8 ? Math.floor(random() * 1_000) + 1 : undefined;
      const event = {
        id: `agg-${this.run}-${i}`,
        type,
        source,
        ...(this.keying === 'user' ? { subject: user } : {}),
        time: now,
        ...(value === undefined ? {} : { value }),
        data: {
          path: `/catalog/items/${Math.floor(random() * 5_000)}`,
          session: `session-${Math.floor(random() * 100_000)}`,
          ...(this.keying === 'source' ? { user } : {}),
        },
      };
      eventJsonBytes += Buffer.byteLength(JSON.stringify(event));
      outgoing.push(toOutgoingRecord(k, validEvent(event), context).outgoing);
    }
    return { outgoing, eventJsonBytes };
  }
}

const producerFor = (client: PutRecordsSender, streamName: string, mode: Mode): Producer => {
  const producer = createProducer({ client, streamName });
  return mode === 'on' ? withAggregation(producer, { maxRecordBytes: DEFAULT_AGGREGATED_RECORD_BYTES }) : producer;
};

/** Ids of the events a record's data holds (one, or an aggregated record's user records). */
function eventIds(data: Uint8Array): string[] {
  const unpacked = deaggregate(data);
  if (unpacked.kind === 'corrupt') throw new Error(`benchmark: a corrupt aggregated record (${unpacked.reason})`);
  const bodies = unpacked.kind === 'plain' ? [data] : unpacked.records.map((r) => r.data);
  return bodies.map((body) => (JSON.parse(Buffer.from(body).toString('utf8')) as { id: string }).id);
}

/** Every record of a 1-shard stream, from TRIM_HORIZON to the tip. */
async function readShard(client: KinesisClient, stream: string): Promise<_Record[]> {
  const { Shards: shards = [] } = await client.send(new ListShardsCommand({ StreamName: stream }));
  if (shards.length !== 1) throw new Error(`benchmark: stream ${stream} has ${shards.length} shards, not 1`);
  let { ShardIterator: iterator } = await client.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: shards[0]?.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const records: _Record[] = [];
  while (iterator) {
    const output = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    records.push(...(output.Records ?? []));
    if ((output.Records?.length ?? 0) === 0 && output.MillisBehindLatest === 0) break;
    iterator = output.NextShardIterator;
  }
  return records;
}

/** What the stream holds after `events` events went in, in puts of `callEvents`. */
export interface StreamCount {
  keying: Keying;
  mode: Mode;
  callEvents: number;
  events: number;
  /** Mean JSON bytes of a producer event, and of the record ingest makes of it. */
  meanEventJsonBytes: number;
  meanEventRecordBytes: number;
  records: number;
  /** Data + partition key of the stream's records, as Kinesis counts a record. */
  recordBytes: number;
  /** On-demand billing: each record rounded up to the next KB. */
  billedKb: number;
  /** Events read back from the stream (deaggregated) that were put: each exactly once? */
  missing: number;
  duplicates: number;
  /** Kept for the consumer CPU runs: the stream's records in order. */
  stream: _Record[];
}

async function countOnStream(
  client: KinesisClient,
  keying: Keying,
  mode: Mode,
  options: { events: number; callEvents: number },
): Promise<StreamCount> {
  // The run names the events (ids, request ids): the same for off and on, so are the bytes.
  const run = `${keying}-${options.callEvents}`;
  const stream = `aggregation-count-${run}-${mode}`;
  await createActiveStream(client, stream, 1);
  const producer = producerFor(client, stream, mode);
  const events = new EventGenerator(keying, run);
  let eventJsonBytes = 0;
  let eventRecordBytes = 0;
  while (events.count < options.events) {
    const { outgoing, eventJsonBytes: json } = events.take(Math.min(options.callEvents, options.events - events.count));
    eventJsonBytes += json;
    eventRecordBytes += outgoing.reduce((sum, r) => sum + r.data.byteLength, 0);
    const { outcomes } = await producer.put(outgoing);
    const refused = outcomes.filter((o) => o.status !== 'accepted').length;
    if (refused > 0) throw new Error(`benchmark: ${refused} events not accepted by a stream without limits`);
  }
  const records = await readShard(client, stream);
  const seen = new Map<string, number>();
  let recordBytes = 0;
  let billedKb = 0;
  for (const record of records) {
    const data = record.Data ?? new Uint8Array();
    const bytes = data.byteLength + Buffer.byteLength(record.PartitionKey ?? '', 'utf8');
    recordBytes += bytes;
    billedKb += Math.ceil(bytes / 1024);
    for (const id of eventIds(data)) seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  let missing = 0;
  let duplicates = 0;
  for (let i = 0; i < options.events; i++) {
    const times = seen.get(`agg-${run}-${i}`) ?? 0;
    if (times === 0) missing++;
    else duplicates += times - 1;
  }
  const foreign = [...seen.keys()].filter((id) => !id.startsWith(`agg-${run}-`)).length;
  if (foreign > 0) throw new Error(`benchmark: ${foreign} events on stream ${stream} that were not put`);
  return {
    keying,
    mode,
    callEvents: options.callEvents,
    events: options.events,
    meanEventJsonBytes: eventJsonBytes / options.events,
    meanEventRecordBytes: eventRecordBytes / options.events,
    records: records.length,
    recordBytes,
    billedKb,
    missing,
    duplicates,
    stream: records,
  };
}

/** Counts what Kinesis accepted: records and their bytes (data + partition key). */
function countingSender(client: KinesisClient): PutRecordsSender & { records: number; bytes: number } {
  const counter = {
    records: 0,
    bytes: 0,
    async send(command: PutRecordsCommand, options?: { abortSignal?: AbortSignal }): Promise<PutRecordsCommandOutput> {
      const output = await client.send(command, options);
      const entries = command.input.Records ?? [];
      (output.Records ?? []).forEach((result, i) => {
        const entry = entries[i];
        if (result.SequenceNumber === undefined || entry === undefined) return;
        counter.records++;
        counter.bytes += (entry.Data?.byteLength ?? 0) + Buffer.byteLength(entry.PartitionKey ?? '', 'utf8');
      });
      return output;
    },
  };
  return counter;
}

/** One shard written as fast as the writers go, the engine enforcing AWS's per-shard write limits. */
export interface ShardRate {
  keying: Keying;
  mode: Mode;
  seconds: number;
  acceptedEvents: number;
  /** Events the producer gave up on, still throttled after its 8 attempts (puts answered before the end). */
  gaveUp: number;
  /** Events not accepted by puts answered at the end (the deadline cut their retries short). */
  cutAtEnd: number;
  /** Entries Kinesis refused with ProvisionedThroughputExceededException (each attempt counted). */
  throttledEntries: number;
  eventsPerSecond: number;
  /** Kinesis records accepted per second, and their MiB per second. */
  recordsPerSecond: number;
  mibPerSecond: number;
}

async function shardRate(
  client: KinesisClient,
  keying: Keying,
  mode: Mode,
  options: { seconds: number },
): Promise<ShardRate> {
  const run = `${keying}-rate`;
  const stream = `aggregation-rate-${run}-${mode}`;
  await createActiveStream(client, stream, 1);
  const sender = countingSender(client);
  const producer = producerFor(sender, stream, mode);
  const events = new EventGenerator(keying, run);
  let acceptedEvents = 0;
  let gaveUp = 0;
  let cutAtEnd = 0;
  let throttledEntries = 0;
  // Start on a second of the engine's clock, so the run spans whole windows of the limiter.
  await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() % 1_000)));
  const started = Date.now();
  const deadline = started + options.seconds * 1_000;
  const writer = async () => {
    while (Date.now() < deadline) {
      const { outgoing } = events.take(CALL_EVENTS);
      const { outcomes, stats } = await producer.put(outgoing, { deadline });
      throttledEntries += stats.throttledEntries;
      const atEnd = Date.now() >= deadline;
      for (const outcome of outcomes) {
        if (outcome.status === 'accepted') acceptedEvents++;
        else if (atEnd) cutAtEnd++;
        else gaveUp++;
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const seconds = (Date.now() - started) / 1_000;
  return {
    keying,
    mode,
    seconds,
    acceptedEvents,
    gaveUp,
    cutAtEnd,
    throttledEntries,
    eventsPerSecond: acceptedEvents / seconds,
    recordsPerSecond: sender.records / seconds,
    mibPerSecond: sender.bytes / 1024 / 1024 / seconds,
  };
}

/** The consumers' decode-and-plan CPU over the same events, per 1,000 events, ms. */
export interface ConsumerCpu {
  keying: Keying;
  mode: Mode;
  events: number;
  records: number;
  batches: number;
  archiveMs: number;
  aggregateMs: number;
  alertMs: number;
  totalMs: number;
}

function cpuSeconds(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/**
 * Lambda batches of the stream's records: those holding the same 1,000 events together (1,000
 * plain records, or the aggregated records of those events), in stream order.
 */
function lambdaBatches(count: StreamCount): KinesisStreamRecord[][] {
  const batches = new Map<number, KinesisStreamRecord[]>();
  const indexOf = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1));
  for (const record of count.stream) {
    const [first] = eventIds(record.Data ?? new Uint8Array());
    if (first === undefined) throw new Error('benchmark: a record without events');
    const block = Math.floor(indexOf(first) / 1_000);
    const batch = batches.get(block) ?? [];
    if (batch.length === 0) batches.set(block, batch);
    batch.push(lambdaRecord(toShardRecord(record, 'shardId-000000000000', LAMBDA_SOURCE)));
  }
  return [...batches.values()];
}

function consumerCpu(count: StreamCount, rounds = 3): ConsumerCpu {
  const batches = lambdaBatches(count);
  const rules = loadRules();
  let sink = 0;
  const consumers = {
    archive: () => {
      for (const batch of batches) sink += planArchive(batch).length;
    },
    aggregate: () => {
      for (const batch of batches) sink += planAggregates(batch).groups.length;
    },
    alert: () => {
      for (const batch of batches) sink += planAlerts(batch, rules).groups.length;
    },
  };
  for (const work of Object.values(consumers)) work(); // warm-up
  const best = {
    archive: Number.POSITIVE_INFINITY,
    aggregate: Number.POSITIVE_INFINITY,
    alert: Number.POSITIVE_INFINITY,
  };
  for (let round = 0; round < rounds; round++) {
    for (const name of ['archive', 'aggregate', 'alert'] as const) {
      best[name] = Math.min(best[name], cpuSeconds(consumers[name]));
    }
  }
  if (sink === 0) throw new Error('benchmark: the consumers planned nothing');
  const perThousand = (seconds: number) => (seconds * 1_000 * 1_000) / count.events;
  return {
    keying: count.keying,
    mode: count.mode,
    events: count.events,
    records: count.records,
    batches: batches.length,
    archiveMs: perThousand(best.archive),
    aggregateMs: perThousand(best.aggregate),
    alertMs: perThousand(best.alert),
    totalMs: perThousand(best.archive + best.aggregate + best.alert),
  };
}

export interface AggregationOptions {
  /** Events put per (keying, mode) for the record counts and the consumer CPU. Default 20,000. */
  events?: number;
  /** Seconds each shard-limit run writes. Default 10. */
  rateSeconds?: number;
  /** Events per put of the smaller calls (the cost model's requests). Default DEFAULT_WORKLOAD's. */
  smallCallEvents?: number;
  progress?: (line: string) => void;
}

export interface AggregationResult {
  settings: {
    events: number;
    callEvents: number;
    smallCallEvents: number;
    rateSeconds: number;
    writers: number;
    maxRecordBytes: number;
    users: number;
    sources: number;
  };
  /** Calls of `callEvents`, every (keying, mode); then calls of `smallCallEvents`, aggregation on. */
  counts: Array<Omit<StreamCount, 'stream'>>;
  rates: ShardRate[];
  cpu: ConsumerCpu[];
}

async function withEngine<T>(shardLimits: boolean, work: (client: KinesisClient) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kp-bench-aggregation-'));
  const engine = await startKinesisEngine({ dataDir, region: 'us-east-1', port: 0, shardLimits });
  const client = benchKinesisClient(engine.endpoint);
  try {
    return await work(client);
  } finally {
    client.destroy();
    await engine.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Runs the four measurements: record counts and consumer CPU on an engine without limits, the
 * shard rates on one with `shardLimits: true`.
 *
 * @example
 * const result = await benchAggregation({ events: 20_000, rateSeconds: 10 });
 * console.log(aggregationSection(result, { measured: DEFAULT_MEASUREMENTS, from: 'assumptions' }));
 */
export async function benchAggregation(options: AggregationOptions = {}): Promise<AggregationResult> {
  const events = options.events ?? 20_000;
  const rateSeconds = options.rateSeconds ?? 10;
  const smallCallEvents = options.smallCallEvents ?? DEFAULT_WORKLOAD.eventsPerRequest;
  const progress = options.progress ?? (() => {});
  const counts: StreamCount[] = [];
  const cpu: ConsumerCpu[] = [];
  await withEngine(false, async (client) => {
    for (const keying of KEYINGS) {
      for (const mode of MODES) {
        progress(`aggregation ${mode}, keyed by ${keying}: ${events.toLocaleString('en-US')} events on a stream ...`);
        const count = await countOnStream(client, keying, mode, { events, callEvents: CALL_EVENTS });
        counts.push(count);
        cpu.push(consumerCpu(count));
      }
      if (smallCallEvents !== CALL_EVENTS) {
        counts.push(await countOnStream(client, keying, 'on', { events, callEvents: smallCallEvents }));
      }
    }
  });
  const rates: ShardRate[] = [];
  await withEngine(true, async (client) => {
    for (const keying of KEYINGS) {
      for (const mode of MODES) {
        progress(`aggregation ${mode}, keyed by ${keying}: ${rateSeconds} s into one shard with shard limits ...`);
        rates.push(await shardRate(client, keying, mode, { seconds: rateSeconds }));
      }
    }
  });
  return {
    settings: {
      events,
      callEvents: CALL_EVENTS,
      smallCallEvents,
      rateSeconds,
      writers: WRITERS,
      maxRecordBytes: DEFAULT_AGGREGATED_RECORD_BYTES,
      users: USERS,
      sources: SOURCES.length,
    },
    counts: counts.map(({ stream: _, ...rest }) => rest),
    rates,
    cpu,
  };
}

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const usd = (value: number) => value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const times = (ratio: number) => `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}x`;
const KEYED: Record<Keying, string> = { source: 'source (6 keys)', user: 'user (~1,000 keys)' };

/** The events per Kinesis record a count found. */
const eventsPerRecord = (count: Pick<StreamCount, 'events' | 'records'>) => count.events / count.records;

function find<T extends { keying: Keying; mode: Mode }>(
  rows: readonly T[],
  keying: Keying,
  mode: Mode,
  extra?: (row: T) => boolean,
): T {
  const row = rows.find((r) => r.keying === keying && r.mode === mode && (extra?.(r) ?? true));
  if (row === undefined) throw new Error(`benchmark: no ${mode} row keyed by ${keying}`);
  return row;
}

function costSums(lines: readonly CostLine[]) {
  const sum = (keep: (line: CostLine) => boolean) => lines.filter(keep).reduce((s, l) => s + l.monthlyUsd, 0);
  return {
    dataIn: sum((l) => l.component.startsWith('Kinesis') && l.item.startsWith('data in')),
    efo: sum((l) => l.component.startsWith('Kinesis') && l.item.startsWith('EFO retrieval')),
    kinesis: sum((l) => l.component.startsWith('Kinesis')),
    lambda: sum((l) => l.component === 'Lambda'),
    dynamoDbAndS3: sum((l) => l.component.startsWith('DynamoDB') || l.component === 'S3'),
    total: sum(() => true),
  };
}

/**
 * The BENCHMARKS.md section: the three measured tables with on-vs-off ratios, and the cost model's
 * monthly total with aggregation off and on (`measured`: this run's pipeline measurements, or the
 * model's assumptions; `from` says which).
 *
 * @example
 * const markdown = aggregationSection(await benchAggregation(), { measured: DEFAULT_MEASUREMENTS, from: "the model's assumptions" });
 */
export function aggregationSection(r: AggregationResult, cost: { measured: Measurements; from: string }): string {
  const s = r.settings;
  const big = r.counts.filter((c) => c.callEvents === s.callEvents);
  const small = r.counts.filter((c) => c.callEvents === s.smallCallEvents && c.mode === 'on');
  const sizes = big.find((c) => c.keying === 'source') ?? big[0];
  const countRow = (c: Omit<StreamCount, 'stream'>) => {
    const off = find(big, c.keying, 'off');
    const per1000 = (c.records / c.events) * 1_000;
    const ok = c.missing === 0 && c.duplicates === 0;
    return `| ${KEYED[c.keying]} | ${c.mode}${c.callEvents === s.callEvents ? '' : `, calls of ${c.callEvents}`} | ${int(c.records)} | ${per1000.toFixed(1)} | ${eventsPerRecord(c).toFixed(1)} | ${int(c.recordBytes / c.records)} | ${int((c.billedKb / c.events) * 1_000)} | ${c.mode === 'off' ? '' : `${times(off.records / c.records)} fewer records, ${times(off.billedKb / c.billedKb)} fewer KB`} | ${ok ? 'yes' : `no: ${c.missing} missing, ${c.duplicates} duplicates`} |`;
  };
  const rateRow = (rate: ShardRate) => {
    const off = find(r.rates, rate.keying, 'off');
    return `| ${KEYED[rate.keying]} | ${rate.mode} | ${int(rate.eventsPerSecond)} | ${int(rate.recordsPerSecond)} | ${rate.mibPerSecond.toFixed(2)} | ${int(rate.throttledEntries)} | ${int(rate.gaveUp)} | ${int(rate.cutAtEnd)} | ${rate.mode === 'off' ? '' : times(rate.eventsPerSecond / off.eventsPerSecond)} |`;
  };
  const cpuRow = (c: ConsumerCpu) => {
    const off = find(r.cpu, c.keying, 'off');
    return `| ${KEYED[c.keying]} | ${c.mode} | ${int(c.records / c.batches)} | ${c.archiveMs.toFixed(1)} | ${c.aggregateMs.toFixed(1)} | ${c.alertMs.toFixed(1)} | ${c.totalMs.toFixed(1)} | ${c.mode === 'off' ? '' : times(c.totalMs / off.totalMs)} |`;
  };

  // The cost model: the default workload, and the same at 500 events a request.
  const workloadEvents = DEFAULT_WORKLOAD.eventsPerRequest;
  const sourceOnAt = (callEvents: number) =>
    r.counts.find((c) => c.keying === 'source' && c.mode === 'on' && c.callEvents === callEvents);
  const costRows: Array<{ requests: number; mode: Mode; workload: Workload }> = [];
  for (const requests of [...new Set([workloadEvents, s.callEvents])]) {
    const measuredOn = sourceOnAt(requests);
    if (measuredOn === undefined) continue;
    const base = { ...DEFAULT_WORKLOAD, eventsPerRequest: requests };
    costRows.push({ requests, mode: 'off', workload: base });
    costRows.push({ requests, mode: 'on', workload: { ...base, eventsPerRecord: eventsPerRecord(measuredOn) } });
  }
  const costed = costRows.map((row) => ({ ...row, sums: costSums(costModel(row.workload, cost.measured)) }));
  const costRow = (row: (typeof costed)[number]) => {
    const off = costed.find((c) => c.requests === row.requests && c.mode === 'off');
    const vs =
      row.mode === 'off' || off === undefined ? '' : `${((row.sums.total / off.sums.total - 1) * 100).toFixed(0)}%`;
    return `| ${row.requests} | ${row.mode} | ${(row.workload.eventsPerRecord ?? 1).toFixed(1)} | ${usd(row.sums.dataIn)} | ${usd(row.sums.efo)} | ${usd(row.sums.kinesis)} | ${usd(row.sums.lambda)} | ${usd(row.sums.dynamoDbAndS3)} | **${usd(row.sums.total)}** | ${vs} |`;
  };
  const headline = (keying: Keying) => {
    const off = find(r.rates, keying, 'off');
    const on = find(r.rates, keying, 'on');
    return `${int(off.eventsPerSecond)} events/s off, ${int(on.eventsPerSecond)} on (${times(on.eventsPerSecond / off.eventsPerSecond)})`;
  };
  const defaultOff = costed.find((c) => c.requests === workloadEvents && c.mode === 'off');
  const defaultOn = costed.find((c) => c.requests === workloadEvents && c.mode === 'on');

  return `## KPL aggregation, off and on

Not the local pipeline: the engine alone (\`startKinesisEngine\`) in this process, written to by the
producer (\`createProducer\`, its retries on) with aggregation off or on (\`withAggregation\`, at the
default ${int(s.maxRecordBytes)} bytes of data and partition key a record, the KPL's own), through SDK v3 \`KinesisClient\`
(\`NodeHttpHandler\`, HTTP/1.1). Machine: ${machineDescription()}.

The same events for off and on (a seeded generator): ~${int(sizes?.meanEventJsonBytes ?? 0)} bytes of JSON as a producer sends
them, ~${int(sizes?.meanEventRecordBytes ?? 0)} bytes as the record ingest makes of each (\`toOutgoingRecord\`), one in a hundred an \`error\`, put
${s.callEvents} a call as POST /events takes them. Two partition-key distributions (the key is \`subject ?? source\`):
keyed by **source** (no \`subject\`: ${s.sources} keys; the user in \`data\` instead) and keyed by **user** (\`subject\` one of
${int(s.users)} users, uniformly). Aggregation packs only events of one key within one call: ${s.callEvents} events over
${int(s.users)} users give a key little to share, and the user rows show that limit as it is.

### Kinesis records per 1,000 events

${int(s.events)} events put into a fresh 1-shard stream per row (no shard limits), then every record read back
with GetRecords, deaggregated, and every event id checked against those put.

| keyed by | aggregation | Kinesis records | records per 1,000 events | events per record | mean record bytes | billed KB per 1,000 events (each record rounded up to 1 KB) | off / on | every event once |
| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |
${[...big, ...small].map(countRow).join('\n')}

The rows "calls of ${s.smallCallEvents}" put the same events ${s.smallCallEvents} a call: the cost model's requests (below).

### Highest rate one shard takes, shard limits on

A fresh 1-shard stream per row on an engine started with \`shardLimits: true\` (AWS's per-shard write
limits: ${int(SHARD_WRITE_RECORDS_PER_S)} records/s and ${SHARD_WRITE_BYTES_PER_S / 1024 / 1024} MiB/s, per second of the clock, answered with
ProvisionedThroughputExceededException); ${s.writers} writers each putting ${s.callEvents} fresh events at a time, as fast as
they go for ${s.rateSeconds} s (from the start of a second; the producer's deadline is the end), the producer
re-sending throttled entries with its backoff (8 attempts, full jitter from 50 ms up to 2 s).

| keyed by | aggregation | accepted events/s | Kinesis records/s | MiB/s (data + key) | entries throttled | events given up after 8 attempts | events not accepted at the end | on / off (events/s) |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${r.rates.map(rateRow).join('\n')}

**One shard: keyed by source, ${headline('source')}; keyed by user, ${headline('user')}.**
Entries throttled counts every refused entry of every attempt (an aggregated record is one entry). The
writers offer more than the shard takes, so some events run out of the producer's 8 attempts; those
(puts answered before the end) and those of the puts the deadline cut short are not counted as accepted.

### Consumer CPU per 1,000 events

The consumers' decode-and-plan work on the records read back above (calls of ${s.callEvents}): \`planArchive\`,
\`planAggregates\` and \`planAlerts\` (with the shipped rules, \`loadRules()\`), each over Lambda batches built
as the local event source mapping builds them (\`toShardRecord\` + \`lambdaRecord\`; base64 data), a batch
holding the same 1,000 events off and on (1,000 plain records, or the aggregated records of those
events). Every event is decoded once per consumer (\`streamEvents\`: base64, then the KPL digest and
protobuf when aggregated, then JSON and validation). CPU time (user + system, \`process.cpuUsage()\`) of
each consumer over all batches, best of 3 after a warm-up, per 1,000 events. The sink writes (S3
objects, DynamoDB items) are per object and per item, not per record, and are not measured here.

| keyed by | aggregation | Kinesis records per batch | archive ms | aggregate ms | alert ms | total CPU ms | on / off |
| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |
${r.cpu.map(cpuRow).join('\n')}

### Cost model, off and on

bench/costModel.ts for ${int(DEFAULT_WORKLOAD.eventsPerSecond)} events/s of ${DEFAULT_WORKLOAD.eventBytes} bytes, ${DEFAULT_WORKLOAD.days} days, ${DEFAULT_WORKLOAD.shards} shards (its default workload),
with ${cost.from}; "on" takes the events per record measured above keyed by source at the same
request size (aggregation packs one request's events: the workload's ${workloadEvents} events a request, and
${s.callEvents} for comparison; below the ${int(s.maxRecordBytes)}-byte cap, events per record do not depend on the event size).
What records drive follows the events per record (\`Workload.eventsPerRecord\`): Kinesis data in and
EFO retrieval, each record rounded up to 1 KB, and the consumers' batches, counted in records (an
archive batch also stops at Lambda's 6 MB payload, which only aggregated records reach), hence their
invokes: fewer, each handling more events. The Lambda durations stay per event, as measured without
aggregation (the decode CPU above is not added); the aggregate's writes per batch and the archive's
requests per batch stay as they were, so DynamoDB and S3 fall with the invokes. The ingest's packing
CPU is not in the model.

| events a request | aggregation | events per record | Kinesis data in | Kinesis EFO retrieval | Kinesis total | Lambda total | DynamoDB + S3 | total USD / month | on vs off |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${costed.map(costRow).join('\n')}

${defaultOff && defaultOn ? `**Monthly total at the default workload: ${usd(defaultOff.sums.total)} USD off, ${usd(defaultOn.sums.total)} USD on (${times(defaultOn.sums.total / defaultOff.sums.total)}); Kinesis data in ${usd(defaultOff.sums.dataIn)} against ${usd(defaultOn.sums.dataIn)} (${times(defaultOn.sums.dataIn / defaultOff.sums.dataIn)}).**\n` : ''}`;
}
