import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { GetObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { PROJECT_ROOT } from '../local/projectRoot.ts';
import { toOutgoingRecord } from '../shared/events/outgoingRecord.ts';
import { validEvent } from '../shared/events/validateEvent.ts';
import { exportCommit } from './coldStart.ts';
import { waitForCheckpoints } from './consumerCheckpoints.ts';
import { benchKinesisClient } from './kinesisLoad.ts';
import { machineDescription } from './machine.ts';
import { type PipelineProcess, spawnPipeline } from './pipelineProcess.ts';
import { listShards, putMarkers } from './streamMarkers.ts';

/**
 * Write contention on the aggregates: the same load on a 32-shard stream against the baseline
 * (BASELINE: one DynamoDB item per key and minute, which every shard's batches read, fold and put
 * with optimistic locking, a lost race being re-read and retried up to 10 times before its records
 * are reported failed) and the working tree (one part per key, minute and shard: one writer per
 * item), side by side in one run.
 *
 * Each side is its own tree's `npm start` in a child process (bench/pipelineProcess.ts): the
 * baseline's from `git archive` of the commit under .local/bench/ with this repository's
 * node_modules linked in, so its runtime, functions, template and table layout are all its own;
 * the current one from this repository. Both get `--param streamMode=PROVISIONED --param
 * shardCount=32` (the local stage is ON_DEMAND, which the local engine gives 4 shards) and
 * `--verbose` with POWERTOOLS_LOG_LEVEL=ERROR: the handlers' EMF metrics on stdout, their logs at
 * errors only. The load goes straight into the stream with PutRecords, each record routed by
 * ExplicitHashKey to the shards in turn; what is counted:
 *
 * - write conflicts: the sum of the aggregate function's own `AggregateWriteConflicts` metric over
 *   every EMF line it printed (and `AggregateWrites`, `AggregatedEvents` likewise);
 * - failures: item writes given up (the function's error log line for each), invokes the event
 *   source mapping logged as not ok (a partial batch response, an error or a timeout), records it
 *   delivered more than once (records in its invokes less records in the stream), and records in
 *   AggregateFailedBatchesBucket (its failure records' batch sizes) once the consumer caught up;
 * - exactness: the stored items, scanned, summed per type (items whose `pk` starts with `T#`) and
 *   per (type, source) (`TS#`), against the events written. Both layouts keep `pk`, `type`,
 *   `source`, `count` and `version` on every item.
 */

/** The commit before per-shard parts: one aggregate item per key and minute, shared by every shard. */
export const CONTENTION_BASELINE_COMMIT = '545f343624aeb5f903e89120482710654eedbe5c';
export const CONTENTION_SHARDS = 32;
/** npm start's flags for a 32-shard stream, and the handlers' metrics on (logs: errors only). */
export const CONTENTION_START_ARGS: readonly string[] = [
  '--verbose',
  '--param',
  'streamMode=PROVISIONED',
  '--param',
  `shardCount=${CONTENTION_SHARDS}`,
];
export const CONTENTION_START_ENV: Readonly<Record<string, string>> = {
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_METRICS_DISABLED: 'false',
};
/** The load's event types and sources. */
export const CONTENTION_TYPES = ['page_view', 'click', 'purchase', 'signup'] as const;
const SOURCES = ['web', 'ios', 'android', 'checkout'] as const;
/** The function's log line for each item write it gave up on (functions/aggregate/writeAggregates.ts, both commits). */
const WRITE_GIVEN_UP = 'aggregate write failed; its records are reported failed';

/**
 * Event `i` of a contention load. Records go to shard `i % shards`, so type and source change with
 * `i / shards`: every shard carries every type and every source (with the type taken from `i % 4`,
 * each shard would carry one type only, and nothing would be shared).
 *
 * @example
 * contentionEvent('run1', 0, 32); // { id: 'contention-run1-0', type: 'page_view', source: 'web', ... }
 */
export function contentionEvent(run: string, i: number, shards: number): Record<string, unknown> {
  const round = Math.floor(i / shards);
  return {
    id: `contention-${run}-${i}`,
    type: CONTENTION_TYPES[round % CONTENTION_TYPES.length],
    source: SOURCES[Math.floor(round / CONTENTION_TYPES.length) % SOURCES.length],
    subject: `user-${i % 997}`,
    time: new Date().toISOString(),
    value: (i % 100) + 1,
  };
}

export interface SpreadLoad {
  /** Events written, each acknowledged by Kinesis. */
  events: number;
  /** Records acknowledged per shard id, from PutRecords' answers; every open shard is listed. */
  recordsByShard: Map<string, number>;
  /** Events written per type and per `type|source`. */
  byType: Map<string, number>;
  byTypeAndSource: Map<string, number>;
  /** performance.now() at the first call and at the answer to the last. */
  startedAt: number;
  lastAnswerAt: number;
  /** Entries Kinesis reported failed and that were put again. */
  retriedEntries: number;
}

/** Every open shard of the stream, in shard id order. */
async function openShards(client: KinesisClient, stream: string): Promise<Shard[]> {
  return (await listShards(client, stream))
    .filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined)
    .sort((a, b) => ((a.ShardId ?? '') < (b.ShardId ?? '') ? -1 : 1));
}

/**
 * Writes `events` events (`event(i, shards)`) straight into the stream with PutRecords, encoded as
 * the ingest encodes them, record `i` into open shard `i % shards` (ExplicitHashKey: the shard's
 * starting hash key), so every shard gets an even share; at `eventsPerSecond` (calls every 100 ms,
 * one at a time, catching up if one was late), or as fast as the stream answers without it. Checks
 * that each record landed in its shard; entries Kinesis reports failed are put again (10 attempts).
 *
 * @example
 * const load = await putAcrossShards(client, stream, { events: 30_000, eventsPerSecond: 1_000, event: (i, n) => contentionEvent('r', i, n) });
 */
export async function putAcrossShards(
  client: KinesisClient,
  stream: string,
  options: { events: number; eventsPerSecond?: number; event: (i: number, shards: number) => Record<string, unknown> },
): Promise<SpreadLoad> {
  const shards = await openShards(client, stream);
  if (shards.length === 0) throw new Error(`stream ${stream} has no open shard`);
  const recordsByShard = new Map(shards.map((shard) => [shard.ShardId as string, 0]));
  const byType = new Map<string, number>();
  const byTypeAndSource = new Map<string, number>();
  const context = { receivedAt: new Date().toISOString(), ingestRequestId: `contention-${Date.now().toString(36)}` };
  let retriedEntries = 0;
  let written = 0;
  const startedAt = performance.now();
  let lastAnswerAt = startedAt;
  while (written < options.events) {
    const due =
      options.eventsPerSecond === undefined
        ? options.events
        : Math.min(options.events, Math.floor(((performance.now() - startedAt) / 1000) * options.eventsPerSecond));
    if (due <= written) {
      await sleep(100);
      continue;
    }
    for (let from = written; from < due; from += 500) {
      const entries: Array<{ entry: PutRecordsRequestEntry; shardId: string }> = [];
      for (let i = from; i < Math.min(due, from + 500); i++) {
        const event = options.event(i, shards.length);
        const { data, partitionKey } = toOutgoingRecord(i, validEvent(event), context).outgoing;
        const shard = shards[i % shards.length] as Shard;
        entries.push({
          entry: { Data: data, PartitionKey: partitionKey, ExplicitHashKey: shard.HashKeyRange?.StartingHashKey },
          shardId: shard.ShardId as string,
        });
        const type = String(event.type);
        byType.set(type, (byType.get(type) ?? 0) + 1);
        const pair = `${type}|${String(event.source)}`;
        byTypeAndSource.set(pair, (byTypeAndSource.get(pair) ?? 0) + 1);
      }
      let pending = entries;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 10) throw new Error(`PutRecords: ${pending.length} entries still failing after 10 attempts`);
        const output = await client.send(
          new PutRecordsCommand({ StreamName: stream, Records: pending.map(({ entry }) => entry) }),
        );
        const failed: typeof pending = [];
        for (const [k, result] of (output.Records ?? []).entries()) {
          const sent = pending[k] as (typeof pending)[number];
          if (result.ErrorCode !== undefined) failed.push(sent);
          else if (result.ShardId !== sent.shardId)
            throw new Error(`a record for ${sent.shardId} landed in ${result.ShardId}`);
          else recordsByShard.set(sent.shardId, (recordsByShard.get(sent.shardId) ?? 0) + 1);
        }
        retriedEntries += failed.length;
        pending = failed;
      }
      lastAnswerAt = performance.now();
    }
    written = due;
  }
  return { events: written, recordsByShard, byType, byTypeAndSource, startedAt, lastAnswerAt, retriedEntries };
}

/**
 * Adds the metrics of one EMF line (CloudWatch embedded metric format, as Powertools Metrics
 * prints it) to `totals`, by metric name: a value, or the sum of a list of values. Any other line
 * is left alone; returns whether the line was EMF.
 *
 * @example
 * addEmfMetrics(totals, '{"_aws":{"CloudWatchMetrics":[{"Metrics":[{"Name":"AggregateWrites"}]}]},"AggregateWrites":[2,3]}'); // totals AggregateWrites += 5
 */
export function addEmfMetrics(totals: Map<string, number>, line: string): boolean {
  if (!line.startsWith('{') || !line.includes('"CloudWatchMetrics"')) return false;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return false;
  }
  const directives = (parsed._aws as { CloudWatchMetrics?: unknown } | undefined)?.CloudWatchMetrics;
  if (!Array.isArray(directives)) return false;
  for (const directive of directives as Array<{ Metrics?: Array<{ Name?: string }> }>) {
    for (const { Name: name } of directive.Metrics ?? []) {
      if (name === undefined) continue;
      const raw = parsed[name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is number => typeof v === 'number');
      totals.set(name, (totals.get(name) ?? 0) + values.reduce((sum, v) => sum + v, 0));
    }
  }
  return true;
}

/** Whether a line is the aggregate function's log of an item write it gave up on (its records reported failed). */
export function isWriteGivenUp(line: string): boolean {
  return line.includes(WRITE_GIVEN_UP);
}

/**
 * The failure records an event source mapping wrote to an S3 on-failure destination, and the
 * records they stand for (the sum of their `KinesisBatchInfo.batchSize`).
 *
 * @example
 * const { objects, records } = await failureBucketRecords(s3, endpoints.buckets.AggregateFailedBatchesBucket);
 */
export async function failureBucketRecords(
  s3: S3Client,
  bucket: string,
): Promise<{ objects: number; records: number }> {
  let objects = 0;
  let records = 0;
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    for (const { Key: key } of page.Contents ?? []) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();
      const failure = JSON.parse(body ?? '{}') as { KinesisBatchInfo?: { batchSize?: number } };
      objects += 1;
      records += failure.KinesisBatchInfo?.batchSize ?? 0;
    }
  }
  return { objects, records };
}

/** What the aggregates table holds for the load's types, whatever its layout. */
export interface StoredAggregates {
  /** Sum of `count` over the items whose `pk` starts with `T#`, per type. */
  byType: Map<string, number>;
  /** Sum of `count` over the `TS#` items, per `type|source`. */
  byTypeAndSource: Map<string, number>;
  /** Items of those types (both levels). */
  items: number;
  /** Sum of their `version`: every put raises it by one, so the writes that took. */
  writes: number;
  /** The shards whose parts count each type (type-level items with a `shardId`: per-shard parts only). */
  typePartShards: Map<string, Set<string>>;
}

/**
 * Scans the aggregates table and sums, for the items of `types`, `count` per type (type-level
 * items) and per (type, source), their number and their versions. Works on both layouts (one item
 * per key and minute, or one part per shard): each item counts its own events.
 *
 * @example
 * const stored = await scanAggregates(documents, endpoints.tables.AggregatesTable, ['page_view']);
 */
export async function scanAggregates(
  documents: DynamoDBDocumentClient,
  table: string,
  types: readonly string[],
): Promise<StoredAggregates> {
  const stored: StoredAggregates = {
    byType: new Map(),
    byTypeAndSource: new Map(),
    items: 0,
    writes: 0,
    typePartShards: new Map(),
  };
  for await (const page of paginateScan({ client: documents }, { TableName: table, ConsistentRead: true })) {
    for (const item of page.Items ?? []) {
      const { pk, type, source, count, version, shardId } = item as {
        pk: string;
        type: string;
        source?: string;
        count: number;
        version: number;
        shardId?: string;
      };
      if (!types.includes(type)) continue;
      stored.items += 1;
      stored.writes += version;
      if (pk.startsWith('T#')) {
        stored.byType.set(type, (stored.byType.get(type) ?? 0) + count);
        if (shardId !== undefined)
          stored.typePartShards.set(type, (stored.typePartShards.get(type) ?? new Set()).add(shardId));
      } else if (pk.startsWith('TS#')) {
        const key = `${type}|${source}`;
        stored.byTypeAndSource.set(key, (stored.byTypeAndSource.get(key) ?? 0) + count);
      }
    }
  }
  return stored;
}

/** Whether two counts by key are the same, keys included. */
export function sameCounts(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  return a.size === b.size && [...a].every(([key, count]) => b.get(key) === count);
}

export interface ContentionSide {
  label: 'baseline' | 'current';
  events: number;
  shards: number;
  /** Fewest and most records a shard received. */
  shardRecords: { min: number; max: number };
  /** Events per second the writer held. */
  eventsPerSecond: number;
  /** Sums of the aggregate function's metrics (EMF). */
  conflicts: number;
  metricWrites: number;
  aggregatedEvents: number;
  /** The function's error log lines for item writes it gave up on. */
  writesGivenUp: number;
  /** The aggregate mapping's invokes (of the load and the markers), those not `ok`, the records delivered again. */
  invokes: number;
  invokesNotOk: number;
  recordsDeliveredAgain: number;
  /** Records the mapping logged as discarded, and those in AggregateFailedBatchesBucket. */
  recordsDiscarded: number;
  failureBucket: { objects: number; records: number };
  stored: StoredAggregates;
  exactByType: boolean;
  exactByTypeAndSource: boolean;
  /** Events written and counted per type. */
  perType: Array<{ type: string; written: number; counted: number }>;
  /** Seconds from the last write's answer until the aggregate mapping's checkpoints passed every shard's marker. */
  caughtUpSeconds: number;
}

export interface ContentionResult {
  baselineCommit: string;
  eventsPerSecond: number;
  seconds: number;
  sides: [ContentionSide, ContentionSide];
  machine: string;
}

export interface ContentionOptions {
  /** Default 1,000 (the pipeline's documented workload). */
  eventsPerSecond?: number;
  /** Default 30. */
  seconds?: number;
  baselineCommit?: string;
  /** Limit for the aggregate consumer to catch up after the last write. Default 240 s. */
  catchUpTimeoutMs?: number;
  progress?: (line: string) => void;
}

/**
 * Runs the contention load against the baseline's `npm start`, then against the working tree's,
 * each a fresh pipeline in a child process, and gathers every count of each side.
 *
 * @example
 * console.log(contentionSection(await benchContention({ progress: console.error })));
 */
export async function benchContention(options: ContentionOptions = {}): Promise<ContentionResult> {
  const eventsPerSecond = options.eventsPerSecond ?? 1_000;
  const seconds = options.seconds ?? 30;
  const baselineCommit = options.baselineCommit ?? CONTENTION_BASELINE_COMMIT;
  const progress = options.progress ?? (() => undefined);
  const benchDir = join(PROJECT_ROOT, '.local', 'bench');
  await mkdir(benchDir, { recursive: true });
  const workDir = await mkdtemp(join(benchDir, 'contention-'));
  try {
    const baselineRoot = join(workDir, 'baseline');
    progress(`contention: git archive of ${baselineCommit.slice(0, 10)} (baseline) ...`);
    await exportCommit(baselineCommit, baselineRoot);
    await symlink(join(PROJECT_ROOT, 'node_modules'), join(baselineRoot, 'node_modules'), 'dir');
    await sameStartScript(baselineRoot);
    const run = { eventsPerSecond, seconds, catchUpTimeoutMs: options.catchUpTimeoutMs ?? 240_000, progress };
    const baseline = await measureSide('baseline', baselineRoot, run);
    const current = await measureSide('current', PROJECT_ROOT, run);
    return { baselineCommit, eventsPerSecond, seconds, sides: [baseline, current], machine: machineDescription() };
  } finally {
    // The link goes, not what it points to.
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * spawnPipeline runs this repository's start script in the other tree: it must be that tree's too
 * (a leading `exec`, which only lets Ctrl-C reach node directly, aside).
 */
async function sameStartScript(root: string): Promise<void> {
  const script = async (dir: string) =>
    (
      JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { scripts?: { start?: string } }
    ).scripts?.start?.replace(/^exec\s+/, '');
  const [theirs, ours] = [await script(root), await script(PROJECT_ROOT)];
  if (theirs !== ours) throw new Error(`contention: the baseline's start script (${theirs}) is not this one (${ours})`);
}

async function measureSide(
  label: ContentionSide['label'],
  root: string,
  run: { eventsPerSecond: number; seconds: number; catchUpTimeoutMs: number; progress: (line: string) => void },
): Promise<ContentionSide> {
  run.progress(`contention, ${label}: npm start of ${root} with a ${CONTENTION_SHARDS}-shard stream ...`);
  const metrics = new Map<string, number>();
  let writesGivenUp = 0;
  const pipeline: PipelineProcess = await spawnPipeline({
    root,
    args: CONTENTION_START_ARGS,
    env: CONTENTION_START_ENV,
    onLine: (line) => {
      if (!addEmfMetrics(metrics, line) && isWriteGivenUp(line)) writesGivenUp += 1;
    },
  });
  const { endpoints } = pipeline;
  const base = { region: endpoints.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const kinesis = benchKinesisClient(endpoints.kinesis);
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb }));
  const s3 = new S3Client({ ...base, endpoint: endpoints.s3, forcePathStyle: true });
  try {
    const events = run.eventsPerSecond * run.seconds;
    run.progress(`contention, ${label}: ${events} events at ${run.eventsPerSecond}/s straight into the stream ...`);
    const tag = `${label}-${Date.now().toString(36)}`;
    const load = await putAcrossShards(kinesis, endpoints.streamName, {
      events,
      eventsPerSecond: run.eventsPerSecond,
      event: (i, shards) => contentionEvent(tag, i, shards),
    });
    const shardCounts = [...load.recordsByShard.values()];
    if (load.recordsByShard.size !== CONTENTION_SHARDS || shardCounts.some((count) => count === 0)) {
      throw new Error(
        `contention, ${label}: the load reached ${shardCounts.filter((c) => c > 0).length} of ${load.recordsByShard.size} shards (expected all ${CONTENTION_SHARDS})`,
      );
    }
    run.progress(`contention, ${label}: waiting for the aggregate consumer to catch up ...`);
    const markers = await putMarkers(kinesis, endpoints.streamName);
    const caughtUp = await waitForCheckpoints(pipeline.dataDir, markers, {
      since: load.lastAnswerAt,
      timeoutMs: run.catchUpTimeoutMs,
    });
    const aggregate = caughtUp.aggregate;
    if (aggregate.caughtUpMs === undefined) {
      throw new Error(
        `contention, ${label}: the aggregate consumer had not caught up ${run.catchUpTimeoutMs / 1000} s after the last write (shards behind: ${aggregate.shardsBehind.join(', ')})`,
      );
    }
    const stored = await scanAggregates(documents, endpoints.tables.AggregatesTable ?? '', CONTENTION_TYPES);
    const failureBucket = await failureBucketRecords(s3, endpoints.buckets.AggregateFailedBatchesBucket ?? '');
    // Stopped before the metrics are summed: by then every line it printed has been read.
    await pipeline.stop();
    const invokes = pipeline.invocations.filter((i) => i.consumer === 'aggregate');
    const delivered = invokes.filter((i) => i.outcome !== 'discarded');
    const recordsInStream = load.events + markers.size;
    return {
      label,
      events: load.events,
      shards: load.recordsByShard.size,
      shardRecords: { min: Math.min(...shardCounts), max: Math.max(...shardCounts) },
      eventsPerSecond: load.events / ((load.lastAnswerAt - load.startedAt) / 1000),
      conflicts: metrics.get('AggregateWriteConflicts') ?? 0,
      metricWrites: metrics.get('AggregateWrites') ?? 0,
      aggregatedEvents: metrics.get('AggregatedEvents') ?? 0,
      writesGivenUp,
      invokes: delivered.length,
      invokesNotOk: delivered.filter((i) => i.outcome !== 'ok').length,
      recordsDeliveredAgain: delivered.reduce((sum, i) => sum + i.batchSize, 0) - recordsInStream,
      recordsDiscarded: invokes.filter((i) => i.outcome === 'discarded').reduce((sum, i) => sum + i.batchSize, 0),
      failureBucket,
      stored,
      exactByType: sameCounts(stored.byType, load.byType),
      exactByTypeAndSource: sameCounts(stored.byTypeAndSource, load.byTypeAndSource),
      perType: CONTENTION_TYPES.map((type) => ({
        type,
        written: load.byType.get(type) ?? 0,
        counted: stored.byType.get(type) ?? 0,
      })),
      caughtUpSeconds: aggregate.caughtUpMs / 1000,
    };
  } finally {
    kinesis.destroy();
    documents.destroy();
    s3.destroy();
    await pipeline.stop();
  }
}

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const ratio = (current: number, baseline: number) =>
  baseline === 0 ? (current === 0 ? '-' : 'n/a') : `${(current / baseline).toFixed(2)}x`;
const yesNo = (value: boolean) => (value ? 'yes' : '**no**');

/** The BENCHMARKS.md section of a contention run. */
export function contentionSection(result: ContentionResult): string {
  const [baseline, current] = result.sides;
  const row = (what: string, of: (side: ContentionSide) => number, withRatio = true) =>
    `| ${what} | ${int(of(baseline))} | ${int(of(current))} | ${withRatio ? ratio(of(current), of(baseline)) : ''} |`;
  const failedRecords = (side: ContentionSide) => side.failureBucket.records;
  const exact = (side: ContentionSide) => side.exactByType && side.exactByTypeAndSource;
  const missing = (side: ContentionSide) =>
    side.perType
      .filter((t) => t.counted !== t.written)
      .map((t) => `${t.type} ${int(t.counted)} of ${int(t.written)}`)
      .join(', ');
  const failures = (side: ContentionSide) =>
    side.writesGivenUp + side.invokesNotOk + side.recordsDeliveredAgain + failedRecords(side);
  const met = current.conflicts === 0 && failures(current) === 0 && exact(current);
  const summary = (side: ContentionSide) =>
    `${int(side.conflicts)} conflicts, ${int(side.writesGivenUp)} item writes given up, ${int(side.recordsDeliveredAgain)} records delivered again, ${int(failedRecords(side))} in the failure bucket, aggregates exact: ${exact(side) ? 'yes' : 'no'}`;
  return `## Write contention on the aggregates: ${CONTENTION_SHARDS} shards

The same load against the baseline, commit ${result.baselineCommit.slice(0, 10)} (one aggregate item per key and minute, which
every shard's batches read, fold and put with optimistic locking: a lost race is re-read and retried, 10 attempts, then
its records are reported failed), and against the working tree (one part per key, minute and shard), each run as its own
tree's \`npm start --verbose --param streamMode=PROVISIONED --param shardCount=${CONTENTION_SHARDS}\` in a child process (its own
runtime, functions, template and table layout; the baseline from \`git archive\`), one after the other on this machine. Load:
${int(result.eventsPerSecond)} events/s for ${result.seconds} s (the documented workload) written straight into the stream with PutRecords,
each record routed by ExplicitHashKey to the next shard in turn, ${CONTENTION_TYPES.length} types x ${SOURCES.length} sources changing across shards (every
shard carries every type, so the type-level items of the current minute are shared by all ${CONTENTION_SHARDS}), event time now. The
local stage's aggregate mapping: no batching window, batches of up to 1,000, one batch per shard at a time, 5 retries with
bisection, failures to AggregateFailedBatchesBucket.

| per side | baseline | current | current / baseline |
| --- | ---: | ---: | ---: |
| events written (records per shard, fewest to most) | ${int(baseline.events)} (${baseline.shardRecords.min} to ${baseline.shardRecords.max}) | ${int(current.events)} (${current.shardRecords.min} to ${current.shardRecords.max}) | |
| rate held by the writer, events/s | ${int(baseline.eventsPerSecond)} | ${int(current.eventsPerSecond)} | |
${row('write conflicts (`AggregateWriteConflicts`, summed)', (s) => s.conflicts)}
${row('item writes given up (the function logged its records failed)', (s) => s.writesGivenUp)}
${row('invokes answering a partial batch response, an error or a timeout', (s) => s.invokesNotOk)}
${row('records delivered again (records in invokes less records in the stream)', (s) => s.recordsDeliveredAgain)}
${row('records discarded to AggregateFailedBatchesBucket (its failure records)', failedRecords)}
| aggregates exact (stored type and (type, source) totals = events written) | ${yesNo(exact(baseline))}${missing(baseline) ? `: ${missing(baseline)}` : ''} | ${yesNo(exact(current))}${missing(current) ? `: ${missing(current)}` : ''} | |
${row('aggregate writes (`AggregateWrites`, summed)', (s) => s.metricWrites)}
${row('items of the load (both levels)', (s) => s.stored.items)}
${row('aggregate invokes', (s) => s.invokes)}
| aggregate writes per invoke | ${(baseline.metricWrites / Math.max(1, baseline.invokes)).toFixed(1)} | ${(current.metricWrites / Math.max(1, current.invokes)).toFixed(1)} | ${ratio(current.metricWrites / Math.max(1, current.invokes), baseline.metricWrites / Math.max(1, baseline.invokes))} |
| caught up after the last write, s (aggregate checkpoints past a marker in every shard) | ${baseline.caughtUpSeconds.toFixed(1)} | ${current.caughtUpSeconds.toFixed(1)} | ${ratio(current.caughtUpSeconds, baseline.caughtUpSeconds)} |

**Current: ${summary(current)}** (target: no conflict, no failure of any kind, exact; ${met ? 'met' : 'not met'}).
Baseline: ${summary(baseline)}.
Counted from each side's own output: the sums of the aggregate function's EMF metrics (\`--verbose\`, logs at errors only),
its error log line per item write given up, and the event source mapping's line per invoke; the failure bucket and the
table (every item of the load scanned, \`count\` summed per type over the \`T#\` items and per (type, source) over the \`TS#\`
items) once the aggregate mapping had caught up. The writes that took, by the items' versions (one per put): baseline
${int(baseline.stored.writes)}, current ${int(current.stored.writes)} (the metric also counts the writes of the markers, one record per shard, whose items are left out).
Both designs write once per item a batch newly counts into (a part of the batch's shard now, the shared item before): here
every batch carries all 4 types x 4 sources, so 20 writes. The writes follow the number of batches: with no batching window
locally, a shard's batch is whatever arrived while its previous one ran, and the baseline's lost races and retries make
its batches fewer and bigger; its writes per invoke are lower still because a redelivered batch finds most of its records
counted already and a write it gave up is no write. On AWS the 5 s batching window sets the number of batches alike for both.

Machine: ${result.machine}
`;
}
