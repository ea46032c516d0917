import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AggregateTableClient } from '../../functions/aggregate/aggregateTable.ts';
import type { AlertDependencies } from '../../functions/alert/alertBatch.ts';
import type { AlertTableClient } from '../../functions/alert/alertTable.ts';
import type { AlertPublisher } from '../../functions/alert/notifier.ts';
import { loadRules } from '../../functions/alert/rules/loadRules.ts';
import type { ObjectWriter } from '../../functions/archive/writeArchive.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { cutBatch } from '../../local/eventSourceMapping/batchCut.ts';
import { batchEvent, toShardRecord } from '../../local/eventSourceMapping/event.ts';
import type { ShardRecord } from '../../local/eventSourceMapping/types.ts';
import { aggregateKey, windowStart } from '../../shared/aggregates/aggregateItem.ts';
import type { AlertMessage } from '../../shared/alerts/alertItem.ts';
import type { PipelineRecord } from '../../shared/events/eventSchema.ts';
import { partitionKeyOf } from '../../shared/events/pipelineRecord.ts';
import { encodeRecord } from '../../shared/events/recordCodec.ts';
import { storedTotals } from '../helpers/aggregateTotals.ts';
import { readAllRecords } from '../helpers/kinesisReader.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';
import { createAggregatesTable, createAlertsTable, createStream } from '../helpers/resources.ts';
import { archivedLines, type SinkSnapshot, type Sinks, snapshotSinks } from '../helpers/sinkSnapshot.ts';

/**
 * The three consumers read the same stream through three event source mappings. This test feeds
 * all three the same GetRecords output, cut per shard and per consumer as each mapping would, and
 * delivers every batch with Lambda's retry rules (`deliver` below). Then it delivers it all again,
 * whole and bisected, and delivers a second set of events with writes failing halfway through a
 * batch, and checks what S3, both tables and the SNS topic hold.
 */

const STREAM = 'redelivery-it';
const SOURCE = {
  streamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${STREAM}`,
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::000000000000:role/consumer',
};
const T1 = Date.parse('2026-11-25T10:00:00.000Z');
/** Processing clock (alert state, aggregate `updatedAt`): just after each set's newest event time. */
const SET1_NOW = T1 + 10 * 60_000 + 5_000;
const SET2_NOW = T1 + 20 * 60_000 + 5_000;

type ConsumerName = 'archive' | 'aggregate' | 'alert';

/**
 * The mappings' settings from serverless.yml (ReportBatchItemFailures, BisectBatchOnFunctionError,
 * retries 10/5/5), except the batch sizes: 2000/1000/100 there, scaled down here so that a few
 * hundred events make several batches per shard, cut differently for each consumer as they are.
 */
const MAPPINGS: ReadonlyArray<{ consumer: ConsumerName; batchSize: number; maxRetries: number }> = [
  { consumer: 'archive', batchSize: 50, maxRetries: 10 },
  { consumer: 'aggregate', batchSize: 40, maxRetries: 5 },
  { consumer: 'alert', batchSize: 25, maxRetries: 5 },
];

let emulators: Emulators;
let kinesis: KinesisClient;
let s3: S3Client;
let dynamoDb: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let sns: SNSClient;
let archiveBatch: typeof import('../../functions/archive/archiveBatch.ts').archiveBatch;
let aggregateBatch: typeof import('../../functions/aggregate/aggregateBatch.ts').aggregateBatch;
let alertBatch: typeof import('../../functions/alert/alertBatch.ts').alertBatch;
let sweepAlerts: typeof import('../../functions/alert/sweepAlerts.ts').sweepAlerts;
let alertWriter: typeof import('../../functions/alert/updateAlert.ts').alertWriter;
let PENDING_LEASE_MS: number;
const clock = { now: SET1_NOW };

// ---------------------------------------------------------------------------------------------
// Events

interface TestEvent {
  id: string;
  type: string;
  source: string;
  subject?: string;
  time: string;
  value?: number;
}

/** One entry to put on the stream: a valid event, or bytes that are not a valid pipeline record. */
type Entry = { event: TestEvent } | { invalid: Buffer; partitionKey: string };

const iso = (ms: number) => new Date(ms).toISOString();
const errorsAt = (set: string, source: string, start: number, spacingMs: number, count: number): TestEvent[] =>
  Array.from({ length: count }, (_, k) => ({
    id: `${set}-${source}-error-${k}`,
    type: 'error',
    source,
    subject: `user-${(k * 5) % 23}`,
    time: iso(start + k * spacingMs),
  }));

/**
 * Realistic traffic over ten minutes from `start`: page views, clicks and purchases from three
 * sources and 23 subjects (the partition keys, so both shards get some), most with a value (whole
 * or half numbers, so sums are exact), every 37th event half an hour late.
 */
function traffic(set: string, start: number, count: number): TestEvent[] {
  const types = ['page_view', 'click', 'purchase'];
  const sources = ['web', 'ios', 'android'];
  return Array.from({ length: count }, (_, i) => ({
    id: `${set}-${i}`,
    type: types[i % 3] as string,
    source: sources[(i * 7 + Math.floor(i / 3)) % 3] as string,
    subject: `user-${i % 23}`,
    time: iso(start + (i % 37 === 36 ? -30 * 60_000 : 0) + Math.floor((i * 600_000) / count)),
    ...(i % 5 === 4 ? {} : { value: ((i * 37) % 1000) / 2 }),
  }));
}

/** Inserts `extra` into `entries` at `index`, keeping the rest in order. */
const insertAt = (entries: Entry[], index: number, ...extra: Entry[]) => entries.splice(index, 0, ...extra);
const valid = (events: TestEvent[]): Entry[] => events.map((event) => ({ event }));

/**
 * Set 1, about 400 events: traffic; error bursts that make `error-burst` (5 errors of one source in
 * 60 s) fire for `checkout` (8 errors) and `search` (6); three scattered `ios` errors that must not
 * fire it; one purchase over a million (`large-value` fires for `android`); and, in the middle, a
 * record that is not JSON and one that is JSON but not a pipeline record.
 */
function firstSet(): Entry[] {
  const entries = valid(traffic('s1', T1, 370));
  insertAt(entries, 300, ...valid(errorsAt('s1', 'search', T1 + 7 * 60_000, 8_000, 6)));
  insertAt(entries, 270, {
    invalid: Buffer.from('{"type":"click","source":"web","time":"yesterday"}'),
    partitionKey: 'user-8',
  });
  insertAt(
    entries,
    200,
    ...valid([
      {
        id: 's1-big',
        type: 'purchase',
        source: 'android',
        subject: 'user-4',
        time: iso(T1 + 330_000),
        value: 2_500_000,
      },
    ]),
  );
  insertAt(entries, 180, ...valid(errorsAt('s1', 'checkout', T1 + 5 * 60_000, 5_000, 8)));
  insertAt(entries, 140, { invalid: Buffer.from('{"type":"error","source":"checkout"'), partitionKey: 'user-3' });
  for (const [index, minute] of [
    [60, 1],
    [160, 4],
    [330, 9],
  ] as const) {
    insertAt(entries, index, ...valid(errorsAt(`s1-${minute}`, 'ios', T1 + minute * 60_000, 0, 1)));
  }
  return entries;
}

/** Set 2, ten minutes later: traffic, a new burst for `payments`, more `checkout` errors, one invalid record. */
function secondSet(): Entry[] {
  const start = T1 + 10 * 60_000;
  const entries = valid(traffic('s2', start, 180));
  insertAt(entries, 120, ...valid(errorsAt('s2', 'payments', start + 5 * 60_000, 4_000, 7)));
  insertAt(entries, 90, { invalid: Buffer.from([0xff, 0xfe, 0x00, 0x7b]), partitionKey: 'user-11' });
  insertAt(entries, 30, ...valid(errorsAt('s2', 'checkout', start + 60_000, 9_000, 5)));
  return entries;
}

function encode(event: TestEvent): PipelineRecord {
  return {
    specversion: '1.0',
    ...event,
    receivedAt: iso(T1 + 20 * 60_000),
    ingestRequestId: 'req-redelivery',
  } as PipelineRecord;
}

/** Puts the entries on the stream (one PutRecords) and returns their records per shard, in shard order. */
async function putOnStream(entries: Entry[]): Promise<Map<string, ShardRecord[]>> {
  const before = new Set((await readAllRecords(kinesis, STREAM)).map((record) => record.SequenceNumber));
  const output = await kinesis.send(
    new PutRecordsCommand({
      StreamName: STREAM,
      Records: entries.map((entry) =>
        'event' in entry
          ? { Data: encodeRecord(encode(entry.event)), PartitionKey: partitionKeyOf(entry.event) }
          : { Data: entry.invalid, PartitionKey: entry.partitionKey },
      ),
    }),
  );
  expect(output.FailedRecordCount).toBe(0);
  const byShard = new Map<string, ShardRecord[]>();
  for (const record of await readAllRecords(kinesis, STREAM)) {
    if (before.has(record.SequenceNumber)) continue;
    const shard = byShard.get(record.shardId) ?? [];
    shard.push(toShardRecord(record, record.shardId, SOURCE));
    byShard.set(record.shardId, shard);
  }
  return byShard;
}

/** The batches of one shard as a mapping with this batch size cuts them (the records are all there). */
function cutIntoBatches(records: readonly ShardRecord[], batchSize: number): ShardRecord[][] {
  const batches: ShardRecord[][] = [];
  for (let start = 0; start < records.length; ) {
    const { count } = cutBatch(records.slice(start), { batchSize, reservedBytes: 0 });
    batches.push(records.slice(start, start + count));
    start += count;
  }
  return batches;
}

// ---------------------------------------------------------------------------------------------
// Lambda's delivery of one batch

type Invoke = (event: KinesisStreamEvent) => Promise<unknown>;

interface Delivery {
  invokes: number;
  /** Records given up on after the retries, each run as Lambda would send it to the on-failure destination. */
  discarded: ShardRecord[][];
}

/**
 * Delivers one batch as a Kinesis event source mapping with ReportBatchItemFailures and
 * BisectBatchOnFunctionError does (docs/kinesis-lambda-semantics.md):
 *
 * - A thrown error (or an unreadable batch response) fails the whole batch: it is split in halves,
 *   first half first, without using a retry; a single record is retried.
 * - A partial batch response checkpoints before the lowest reported sequence number, and the batch
 *   is split there: the rest is delivered as a new batch (no retry used). When the lowest failed
 *   record is the first one there is nothing to split off: the same batch is retried (AWS: "the
 *   batch is bisected at the returned sequence number and Lambda retries only the remaining
 *   records"; the local mapping in local/eventSourceMapping/batchRunner.ts reads it more strictly
 *   and halves the batch instead).
 * - After `maxRetries` retries the records still failing are discarded and the mapping moves on.
 */
async function deliver(invoke: Invoke, batch: readonly ShardRecord[], maxRetries: number): Promise<Delivery> {
  const pieces = [{ records: [...batch], retries: 0 }];
  const delivery: Delivery = { invokes: 0, discarded: [] };
  while (pieces.length > 0) {
    const piece = pieces[0] as (typeof pieces)[number];
    delivery.invokes += 1;
    const failedIndex = await invoke(batchEvent(piece.records)).then(
      (response) => lowestFailure(response, piece.records),
      () => 'error' as const,
    );
    if (failedIndex === undefined) {
      pieces.shift();
      continue;
    }
    if (failedIndex === 'error' && piece.records.length > 1) {
      const half = Math.ceil(piece.records.length / 2);
      pieces.splice(
        0,
        1,
        { records: piece.records.slice(0, half), retries: 0 },
        { records: piece.records.slice(half), retries: 0 },
      );
      continue;
    }
    if (typeof failedIndex === 'number' && failedIndex > 0) {
      pieces[0] = { records: piece.records.slice(failedIndex), retries: 0 };
      continue;
    }
    if (piece.retries < maxRetries) {
      piece.retries += 1;
      continue;
    }
    delivery.discarded.push(piece.records);
    pieces.shift();
  }
  return delivery;
}

/** Index of the lowest reported sequence number; undefined on success; 'error' for a response Lambda cannot read. */
function lowestFailure(response: unknown, records: readonly ShardRecord[]): number | 'error' | undefined {
  const failures = (response as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return undefined;
  if (!Array.isArray(failures)) return 'error';
  if (failures.length === 0) return undefined;
  const indexes = failures.map((failure: { itemIdentifier?: unknown }) =>
    records.findIndex((record) => record.sequenceNumber === failure?.itemIdentifier),
  );
  return indexes.includes(-1) ? 'error' : Math.min(...indexes);
}

// ---------------------------------------------------------------------------------------------
// The consumers, wired to one set of sinks

interface World extends Sinks {
  topicArn: string;
}

/** Clients a world's consumers use instead of the shared ones (to fail a write). */
interface Clients {
  s3: ObjectWriter;
  aggregates: AggregateTableClient;
  alerts: AlertTableClient;
  sns: AlertPublisher;
}

let worlds = 0;
async function createWorld(): Promise<World> {
  worlds += 1;
  const name = `redelivery-${worlds}`;
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  await createAggregatesTable(dynamoDb, `${name}-aggregates`);
  await createAlertsTable(dynamoDb, `${name}-alerts`);
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: `${name}-alerts` }))).TopicArn ?? '';
  return {
    bucket: name,
    aggregatesTable: `${name}-aggregates`,
    alertsTable: `${name}-alerts`,
    topicName: `${name}-alerts`,
    topicArn,
  };
}

const sharedClients = (): Clients => ({
  s3,
  aggregates: documents as AggregateTableClient,
  alerts: documents as AlertTableClient,
  sns,
});

/** One Lambda invocation of a consumer, with the world's sinks (and, for some, failing clients). */
function invoker(consumer: ConsumerName, world: World, clients: Clients): Invoke {
  switch (consumer) {
    case 'archive':
      return (event) => archiveBatch(event, lambdaContext('archive'), { s3: clients.s3, bucket: world.bucket });
    case 'aggregate':
      return (event) =>
        aggregateBatch(event, lambdaContext('aggregate'), {
          dynamoDb: clients.aggregates,
          table: world.aggregatesTable,
          ttlDays: 30,
          clock: () => clock.now,
          writes: { baseDelayMs: 5 },
        });
    case 'alert':
      return (event) => alertBatch(event, lambdaContext('alert'), alertDeps(world, clients));
  }
}

function alertDeps(world: World, clients: Clients): AlertDependencies {
  return {
    table: { client: clients.alerts, tableName: world.alertsTable },
    channel: { sns: clients.sns, topicArn: world.topicArn },
    rules: loadRules(),
    defaultCooldownSeconds: 300,
    now: () => clock.now,
  };
}

type Deliveries = Record<ConsumerName, Delivery>;

/**
 * Delivers records (per shard) to all three consumers at once, each through its own mapping: per
 * consumer and shard one batch at a time, in order. `parallelShards` also runs the shards of one
 * consumer at once (as on AWS); off, shard after shard (one legitimate schedule, the same in every
 * run, for runs whose results are compared). `split` turns each batch into the batches to deliver.
 */
async function deliverAll(
  world: World,
  byShard: Map<string, ShardRecord[]>,
  options: { clients?: Clients; parallelShards: boolean; split?: (batch: ShardRecord[]) => ShardRecord[][] },
): Promise<Deliveries> {
  const clients = options.clients ?? sharedClients();
  const results = await Promise.all(
    MAPPINGS.map(async ({ consumer, batchSize, maxRetries }) => {
      const invoke = invoker(consumer, world, clients);
      const total: Delivery = { invokes: 0, discarded: [] };
      const lane = async (records: ShardRecord[]) => {
        for (const cut of cutIntoBatches(records, batchSize)) {
          for (const batch of options.split?.(cut) ?? [cut]) {
            const delivery = await deliver(invoke, batch, maxRetries);
            total.invokes += delivery.invokes;
            total.discarded.push(...delivery.discarded);
          }
        }
      };
      const shards = [...byShard.values()];
      if (options.parallelShards) await Promise.all(shards.map(lane));
      else for (const records of shards) await lane(records);
      return [consumer, total] as const;
    }),
  );
  return Object.fromEntries(results) as Deliveries;
}

// ---------------------------------------------------------------------------------------------
// Expectations computed from the events

const validEvents = (entries: Entry[]) => entries.flatMap((entry) => ('event' in entry ? [entry.event] : []));

/** The aggregate totals these events make, per type and per (type, source), per minute. */
function expectedTotals(events: readonly TestEvent[]) {
  const totals = new Map<
    string,
    {
      pk: string;
      window: string;
      count: number;
      valueCount: number;
      sum: number;
      min?: number;
      max?: number;
      first: number;
      last: number;
    }
  >();
  for (const event of events) {
    const t = Date.parse(event.time);
    for (const scope of [{ type: event.type }, { type: event.type, source: event.source }]) {
      const pk = aggregateKey(scope);
      const window = windowStart(t);
      const total = totals.get(`${pk} ${window}`) ?? { pk, window, count: 0, valueCount: 0, sum: 0, first: t, last: t };
      total.count += 1;
      total.first = Math.min(total.first, t);
      total.last = Math.max(total.last, t);
      if (event.value !== undefined) {
        total.valueCount += 1;
        total.sum += event.value;
        total.min = Math.min(total.min ?? event.value, event.value);
        total.max = Math.max(total.max ?? event.value, event.value);
      }
      totals.set(`${pk} ${window}`, total);
    }
  }
  return [...totals.values()]
    .map(({ first, last, ...total }) => ({ ...total, firstEventTime: iso(first), lastEventTime: iso(last) }))
    .sort((a, b) => `${a.pk} ${a.window}`.localeCompare(`${b.pk} ${b.window}`));
}

const messagesOf = (snapshot: SinkSnapshot) => snapshot.notifications.map((n) => JSON.parse(n.message) as AlertMessage);
const sequencesOf = (records: readonly ShardRecord[]) => records.map((record) => record.sequenceNumber);

// ---------------------------------------------------------------------------------------------

let set1: Entry[];
let set1Records: Map<string, ShardRecord[]>;
let main: World;
let firstDelivery: Deliveries;
let afterFirst: SinkSnapshot;
let afterWhole: SinkSnapshot;
let afterHalves: SinkSnapshot;
const snapshot = (world: World) => snapshotSinks(world, { s3, documents, snsSinkDir: emulators.snsSinkDir });

beforeAll(async () => {
  emulators = await startEmulators();
  Object.assign(process.env, emulators.env);
  // Clients read their endpoints on first use, so import them only now.
  const clients = await import('../../shared/aws/clients.ts');
  kinesis = clients.kinesisClient();
  s3 = clients.s3Client();
  dynamoDb = clients.dynamoDbClient();
  documents = clients.dynamoDbDocumentClient();
  sns = clients.snsClient();
  ({ archiveBatch } = await import('../../functions/archive/archiveBatch.ts'));
  ({ aggregateBatch } = await import('../../functions/aggregate/aggregateBatch.ts'));
  ({ alertBatch } = await import('../../functions/alert/alertBatch.ts'));
  ({ sweepAlerts } = await import('../../functions/alert/sweepAlerts.ts'));
  ({ alertWriter, PENDING_LEASE_MS } = await import('../../functions/alert/updateAlert.ts'));
  await createStream(kinesis, STREAM, 2);
  main = await createWorld();
  set1 = firstSet();
  set1Records = await putOnStream(set1);
  clock.now = SET1_NOW;
  firstDelivery = await deliverAll(main, set1Records, { parallelShards: true });
  afterFirst = await snapshot(main);
});

afterAll(async () => {
  await emulators?.stop();
});

describe('redelivery across the three consumers', () => {
  it('the first delivery archives every record once, counts every valid event once, and fires three alerts', () => {
    const shards = [...set1Records.values()];
    expect(shards).toHaveLength(2);
    for (const records of shards) expect(records.length).toBeGreaterThan(100);
    const all = shards.flat();
    expect(all).toHaveLength(set1.length);

    const lines = archivedLines(afterFirst.objects);
    expect(lines.map((line) => `${line.shardId}:${line.sequenceNumber}`).sort()).toEqual(
      all.map((r) => `${r.shardId}:${r.sequenceNumber}`).sort(),
    );
    const errorLines = lines.filter((line) => line.key.startsWith('errors/'));
    expect(errorLines).toHaveLength(2);
    expect(errorLines.map((line) => Buffer.from(String(line.line.data), 'base64').toString()).sort()).toEqual(
      set1.flatMap((entry) => ('invalid' in entry ? [entry.invalid.toString()] : [])).sort(),
    );

    expect(storedTotals(afterFirst.aggregates)).toEqual(expectedTotals(validEvents(set1)));

    const fired = messagesOf(afterFirst).map((m) => [m.ruleId, m.group, m.state, m.at]);
    expect(fired.sort()).toEqual([
      ['error-burst', 'checkout', 'firing', iso(SET1_NOW)],
      ['error-burst', 'search', 'firing', iso(SET1_NOW)],
      ['large-value', 'android', 'firing', iso(SET1_NOW)],
    ]);
    expect(afterFirst.notifications[0]?.messageAttributes).toEqual({
      rule: { dataType: 'String', value: expect.any(String) },
      severity: { dataType: 'String', value: expect.any(String) },
      state: { dataType: 'String', value: 'firing' },
    });
    const iosAlert = afterFirst.alerts.find((item) => item.alertKey === 'error-burst#source=ios');
    expect(iosAlert).toMatchObject({ firedCount: 0, recent: expect.any(Array) });
    expect(iosAlert?.state).toBeUndefined();

    // The invalid records are the only poison: archive keeps them under errors/ and gives up on
    // nothing; aggregate and alert give up on exactly the runs that start at an invalid record
    // (the records behind it in its batch, already applied on the first try, go with it).
    expect(firstDelivery.archive.discarded).toEqual([]);
    const invalidSequences = new Set(errorLines.map((line) => line.sequenceNumber));
    expect(invalidSequences.size).toBe(2);
    for (const consumer of ['aggregate', 'alert'] as const) {
      const discarded = firstDelivery[consumer].discarded;
      expect(discarded.map((run) => run[0]?.sequenceNumber).sort()).toEqual([...invalidSequences].sort());
      for (const run of discarded) expect(sequencesOf(run).filter((s) => invalidSequences.has(s))).toHaveLength(1);
    }
  });

  it('(a) every batch delivered again to every consumer changes nothing in S3, the aggregates, the notifications or what any alert says', async () => {
    clock.now = SET1_NOW + 5_000;
    const again = await deliverAll(main, set1Records, { parallelShards: true });

    afterWhole = await snapshot(main);
    expect(afterWhole.objects).toEqual(afterFirst.objects);
    expect(afterWhole.aggregates).toEqual(afterFirst.aggregates);
    expect(withoutWriteStamps(afterWhole.alerts)).toEqual(withoutWriteStamps(afterFirst.alerts));
    expect(afterWhole.notifications).toEqual(afterFirst.notifications);
    expect(again.aggregate.discarded.map((run) => run[0]?.sequenceNumber)).toEqual(
      firstDelivery.aggregate.discarded.map((run) => run[0]?.sequenceNumber),
    );
  });

  it("(b) every batch delivered again in two halves changes nothing in the aggregates, the notifications or what any alert says; S3 holds every line once, in the halves' objects", async () => {
    clock.now = SET1_NOW + 10_000;
    const halves = (batch: ShardRecord[]) => {
      const half = Math.ceil(batch.length / 2);
      return [batch.slice(0, half), batch.slice(half)].filter((part) => part.length > 0);
    };
    await deliverAll(main, set1Records, { parallelShards: true, split: halves });

    afterHalves = await snapshot(main);
    expect(afterHalves.aggregates).toEqual(afterFirst.aggregates);
    expect(withoutWriteStamps(afterHalves.alerts)).toEqual(withoutWriteStamps(afterFirst.alerts));
    expect(afterHalves.notifications).toEqual(afterFirst.notifications);
    // The archive names an object after its batch, so a bisected batch is a new cut under new keys;
    // each half replaces the cut it supersedes (the first half removes the whole batch's object),
    // so every record is still archived exactly once, with the same line.
    const added = Object.keys(afterHalves.objects).filter((key) => !(key in afterFirst.objects));
    expect(added.length).toBeGreaterThan(0);
    const lineKeys = (snapshot: SinkSnapshot) =>
      archivedLines(snapshot.objects).map((l) => `${l.shardId}:${l.sequenceNumber}`);
    expect(lineKeys(afterHalves).sort()).toEqual(lineKeys(afterFirst).sort());
    expect(new Set(lineKeys(afterHalves)).size).toBe(lineKeys(afterHalves).length);
    const unique = (snapshot: SinkSnapshot) =>
      [
        ...new Map(
          archivedLines(snapshot.objects).map((l) => [`${l.shardId}:${l.sequenceNumber}`, JSON.stringify(l.line)]),
        ).entries(),
      ].sort();
    expect(unique(afterHalves)).toEqual(unique(afterFirst));
  });

  // A match that `trimRecent` dropped from `recent` (here: ios errors more than two windows older
  // than the newest one) is merged as new again on redelivery, then trimmed again: nothing differs,
  // so nothing is written.
  it('(a, b) redelivery writes no alert item again: every item keeps its version and updatedAt', () => {
    expect(afterWhole.alerts).toEqual(afterFirst.alerts);
    expect(afterHalves.alerts).toEqual(afterFirst.alerts);
  });

  it('(c) a second set whose batches fail halfway (a write fails in each consumer) ends as a clean delivery into fresh sinks', async () => {
    const set2 = secondSet();
    const set2Records = await putOnStream(set2);
    const [clean, faulty] = [await createWorld(), await createWorld()];
    clock.now = SET1_NOW;
    await deliverAll(clean, set1Records, { parallelShards: false });
    await deliverAll(faulty, set1Records, { parallelShards: false });
    expect(await snapshot(faulty)).toEqual(await snapshot(clean));

    clock.now = SET2_NOW;
    const cleanRun = await deliverAll(clean, set2Records, { parallelShards: false });
    const faults = failingWrites();
    const faultyRun = await deliverAll(faulty, set2Records, { parallelShards: false, clients: faults.clients });
    // Each fault happened, and cost the consumer extra invocations.
    expect(faults.failed).toEqual({ s3: 1, aggregates: 1, alerts: 1, sns: 1 });
    for (const consumer of ['archive', 'aggregate', 'alert'] as const) {
      expect(faultyRun[consumer].invokes).toBeGreaterThan(cleanRun[consumer].invokes);
    }
    // A notification whose publish failed stays pending for PENDING_LEASE_MS (it belongs to its
    // writer); the scheduled sweep publishes it after that. Delivery is complete once it ran.
    clock.now = SET2_NOW + PENDING_LEASE_MS;
    for (const world of [clean, faulty]) {
      const deps = alertDeps(world, sharedClients());
      expect(await sweepAlerts(deps, alertWriter(deps, clock.now))).toMatchObject({ failed: 0 });
    }

    const [cleanSinks, faultySinks] = [await snapshot(clean), await snapshot(faulty)];
    // Set 2 did something worth comparing: payments fired, the alerts of set 1 resolved, and the
    // sweep resolved payments.
    expect(
      messagesOf(cleanSinks)
        .slice(3)
        .map((m) => [m.ruleId, m.group, m.state])
        .sort(),
    ).toEqual([
      ['error-burst', 'checkout', 'resolved'],
      ['error-burst', 'payments', 'firing'],
      ['error-burst', 'payments', 'resolved'],
      ['error-burst', 'search', 'resolved'],
      ['large-value', 'android', 'resolved'],
    ]);
    expect(storedTotals(cleanSinks.aggregates)).toEqual(expectedTotals([...validEvents(set1), ...validEvents(set2)]));

    // S3 and the aggregates: identical, bytes and full items (versions included: a failed put
    // writes nothing, and the retry writes each item once, as the clean delivery did).
    expect(faultySinks.objects).toEqual(cleanSinks.objects);
    expect(faultySinks.aggregates).toEqual(cleanSinks.aggregates);
    // Alerts: the same state and the same notifications. With the write that resolves checkout
    // failed, the sweep at the end of the invocation resolves checkout first and the retry merges
    // set 2's checkout errors afterwards: they are covered by the episode that ended (their event
    // time is before the resolution), so nothing fires again. That path takes one more write, and
    // the android resolution is marked sent by the later sweep, so version and updatedAt differ.
    const alertState = (snapshot: SinkSnapshot) => withoutWriteStamps(snapshot.alerts);
    const notifications = (snapshot: SinkSnapshot) => snapshot.notifications.map((n) => JSON.stringify(n)).sort();
    expect({ alerts: alertState(faultySinks), notifications: notifications(faultySinks) }).toEqual({
      alerts: alertState(cleanSinks),
      notifications: notifications(cleanSinks),
    });
  });
});

/** Alert items without what every write stamps on them (`version`, `updatedAt`): what they say. */
const withoutWriteStamps = (items: readonly Record<string, unknown>[]) =>
  items.map(({ version: _version, updatedAt: _updatedAt, ...item }) => item);

/**
 * The shared clients, except that one write of each sink fails once, halfway through a batch:
 * the archive's errors/ object (its events/ object of the same batch is written), the first
 * aggregate Put of an `error` item, the first alert write that fires or resolves an alert, and the
 * first SNS publish.
 */
function failingWrites() {
  const failed = { s3: 0, aggregates: 0, alerts: 0, sns: 0 };
  const outage = (name: string) => Object.assign(new Error(`simulated ${name} outage`), { name: 'InternalError' });
  const once =
    <C>(sink: keyof typeof failed, matches: (command: C) => boolean, send: (command: C) => Promise<unknown>) =>
    (command: C) => {
      if (failed[sink] === 0 && matches(command)) {
        failed[sink] += 1;
        return Promise.reject(outage(sink));
      }
      return send(command);
    };
  const clients: Clients = {
    s3: {
      send: once<PutObjectCommand>(
        's3',
        (c) => c instanceof PutObjectCommand && String(c.input.Key).startsWith('errors/'),
        (c) => s3.send(c),
      ),
    } as ObjectWriter,
    aggregates: {
      send: once<PutCommand>(
        'aggregates',
        (c) => c instanceof PutCommand && String(c.input.Item?.pk).startsWith('T#error'),
        (c) => documents.send(c),
      ),
    } as AggregateTableClient,
    alerts: {
      send: once<PutCommand>(
        'alerts',
        (c) => c instanceof PutCommand && c.input.Item?.notification === 'pending',
        (c) => documents.send(c),
      ),
    } as AlertTableClient,
    sns: {
      send: once<PublishCommand>(
        'sns',
        (c) => c instanceof PublishCommand,
        (c) => sns.send(c),
      ),
    },
  };
  return { clients, failed };
}
