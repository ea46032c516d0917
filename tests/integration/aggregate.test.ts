import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AggregateDependencies } from '../../functions/aggregate/aggregateBatch.ts';
import type { AggregateTableClient } from '../../functions/aggregate/aggregateTable.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import {
  type AggregateItem,
  aggregateKey,
  BY_HOUR_INDEX,
  byHourKey,
  byHourKeys,
  windowStart,
} from '../../shared/aggregates/aggregateItem.ts';
import { storedTotals } from '../helpers/aggregateTotals.ts';
import { aKinesisBatch, aPipelineRecordBytes } from '../helpers/kinesisEvents.ts';
import { putAndReadBatch } from '../helpers/kinesisReader.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';
import { createAggregatesTable as createAggregatesTableIn, createStream } from '../helpers/resources.ts';

const STREAM = 'aggregate-it';
const HANDLER_TABLE = 'aggregates-it';
const TTL_DAYS = 30;
let emulators: Emulators;
let kinesis: KinesisClient;
let dynamoDb: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let aggregateBatch: typeof import('../../functions/aggregate/aggregateBatch.ts').aggregateBatch;
let handler: (event: KinesisStreamEvent, context: unknown) => Promise<{ batchItemFailures: unknown[] }>;

beforeAll(async () => {
  emulators = await startEmulators();
  Object.assign(process.env, emulators.env, { AGGREGATES_TABLE: HANDLER_TABLE, AGGREGATE_TTL_DAYS: String(TTL_DAYS) });
  // Clients read their endpoints on first use, so import them only now.
  const clients = await import('../../shared/aws/clients.ts');
  kinesis = clients.kinesisClient();
  dynamoDb = clients.dynamoDbClient();
  documents = clients.dynamoDbDocumentClient();
  await createStream(kinesis, STREAM, 1);
  await createAggregatesTable(HANDLER_TABLE);
  aggregateBatch = (await import('../../functions/aggregate/aggregateBatch.ts')).aggregateBatch;
  handler = (await import('../../functions/aggregate/handler.ts')).handler as unknown as typeof handler;
});

afterAll(async () => {
  await emulators?.stop();
});

/** The table as serverless.yml declares it. */
const createAggregatesTable = (name: string) => createAggregatesTableIn(dynamoDb, name);

let tables = 0;
async function aNewTable(): Promise<string> {
  tables += 1;
  const name = `aggregates-it-${tables}`;
  await createAggregatesTable(name);
  return name;
}

async function scanTable(table: string): Promise<AggregateItem[]> {
  const items: AggregateItem[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey }));
    items.push(...((page.Items ?? []) as AggregateItem[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items.sort((a, b) => `${a.pk} ${a.sk}`.localeCompare(`${b.pk} ${b.sk}`));
}

interface TestEvent {
  type: string;
  source: string;
  time: string;
  value?: number;
}

/** What the table must hold for these events, computed straight from them. */
function expectedTotals(events: readonly TestEvent[]) {
  const totals = new Map<string, Record<string, unknown>>();
  for (const event of events) {
    const window = windowStart(Date.parse(event.time));
    for (const scope of [{ type: event.type }, { type: event.type, source: event.source }]) {
      const pk = aggregateKey(scope);
      const values = events.filter(
        (other) =>
          other.type === event.type &&
          ('source' in scope ? other.source === event.source : true) &&
          windowStart(Date.parse(other.time)) === window,
      );
      const withValue = values.flatMap((other) => (other.value === undefined ? [] : [other.value]));
      const times = values.map((other) => Date.parse(other.time));
      totals.set(`${pk} ${window}`, {
        pk,
        window,
        count: values.length,
        valueCount: withValue.length,
        sum: withValue.reduce((total, value) => total + value, 0),
        ...(withValue.length ? { min: Math.min(...withValue), max: Math.max(...withValue) } : {}),
        firstEventTime: new Date(Math.min(...times)).toISOString(),
        lastEventTime: new Date(Math.max(...times)).toISOString(),
      });
    }
  }
  return [...totals.values()].sort((a, b) => `${a.pk} ${a.window}`.localeCompare(`${b.pk} ${b.window}`));
}

/** Events over two minutes and two sources, some without a value, one late by half an hour. */
function someEvents(count: number, types: readonly string[] = ['click', 'view']): TestEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    type: types[i % types.length] as string,
    source: i % 3 === 0 ? 'app' : 'web',
    time:
      i === 5 ? '2026-11-25T20:31:07.250Z' : new Date(Date.parse('2026-11-25T21:04:30.000Z') + i * 4_000).toISOString(),
    ...(i % 4 === 3 ? {} : { value: i * 0.5 }),
  }));
}

const bytesOf = (event: TestEvent) => aPipelineRecordBytes({ ...event, value: event.value });

/** Puts records on the stream and returns them as the batch Lambda would deliver. */
const batchOf = (data: Uint8Array[]) => putAndReadBatch(kinesis, STREAM, data, 'aggregate');

const deps = (table: string, client: AggregateTableClient = documents): AggregateDependencies => ({
  dynamoDb: client,
  table,
  ttlDays: TTL_DAYS,
  clock: Date.now,
  writes: { baseDelayMs: 5 },
});

/** The document client, except that `intercept` runs before each Put and may throw or wait. */
function interceptingPuts(intercept: (item: AggregateItem) => Promise<void>): AggregateTableClient {
  return {
    async send(command: never) {
      if ((command as unknown) instanceof PutCommand)
        await intercept((command as PutCommand).input.Item as AggregateItem);
      return documents.send(command);
    },
  };
}

const slice = (event: KinesisStreamEvent, start: number, end?: number): KinesisStreamEvent => ({
  Records: structuredClone(event.Records.slice(start, end)),
});

describe('aggregate consumer against dynalite', () => {
  it('applies a batch from the local Kinesis engine: totals per type and per (type, source) and minute, late events in their own minute', async () => {
    const events = someEvents(24);
    const event = await batchOf(events.map(bytesOf));

    expect(await handler(event, lambdaContext('aggregate'))).toEqual({ batchItemFailures: [] });

    const items = await scanTable(HANDLER_TABLE);
    expect(storedTotals(items)).toEqual(expectedTotals(events));
    expect(items.map((item) => item.window)).toContain('2026-11-25T20:31:00.000Z');
    const shardId = 'shardId-000000000000';
    const lastSequence = event.Records.at(-1)?.kinesis.sequenceNumber ?? '';
    const typeView = items.find((item) => item.pk === 'T#view' && item.window === '2026-11-25T21:05:00.000Z');
    expect(typeView).toMatchObject({
      sk: `2026-11-25T21:05:00.000Z#${shardId}`,
      shardId,
      hour: byHourKey('2026-11-25T21:05:00.000Z', 'T#view', shardId),
      type: 'view',
      version: 1,
    });
    expect(BigInt(typeView?.watermark ?? '0')).toBeLessThanOrEqual(BigInt(lastSequence));
    expect(typeView?.expiresAt).toBe(Date.parse('2026-11-25T21:06:00.000Z') / 1000 + TTL_DAYS * 86_400);
    // The byHour index lists type-level items of the hour over its partitions, and only those.
    const hour = await Promise.all(
      byHourKeys('2026-11-25T21').map((partition) =>
        documents.send(
          new QueryCommand({
            TableName: HANDLER_TABLE,
            IndexName: BY_HOUR_INDEX,
            KeyConditionExpression: '#hour = :hour',
            ExpressionAttributeNames: { '#hour': 'hour' },
            ExpressionAttributeValues: { ':hour': partition },
          }),
        ),
      ),
    );
    const typeLevelOfHour = expectedTotals(events)
      .filter((total) => String(total.pk).startsWith('T#') && String(total.window).startsWith('2026-11-25T21'))
      .map((total) => `${total.pk} ${total.window}`);
    expect(typeLevelOfHour.length).toBeGreaterThan(2);
    expect(
      hour
        .flatMap((page) => page.Items ?? [])
        .map((item) => `${item.pk} ${item.window}`)
        .sort(),
    ).toEqual(typeLevelOfHour.sort());

    // Delivered again, as after a crash before Lambda saw the response: nothing changes, nothing is written.
    expect(await handler(structuredClone(event), lambdaContext('aggregate'))).toEqual({ batchItemFailures: [] });
    expect(await scanTable(HANDLER_TABLE)).toEqual(items);
  });

  it('reaches the exact totals when a batch fails halfway and Lambda redelivers it from the first failed record', async () => {
    const table = await aNewTable();
    const events = someEvents(16);
    const invalidAt = 9;
    const data = events.map(bytesOf);
    data.splice(invalidAt, 0, Buffer.from('{"type":"click"'));
    const event = await batchOf(data);
    let outage = true;
    const client = interceptingPuts(async (item) => {
      if (outage && item.pk === 'TS#view#web')
        throw Object.assign(new Error('Internal server error'), { name: 'InternalServerError' });
    });

    const first = await aggregateBatch(event, lambdaContext('aggregate'), deps(table, client));
    const failedAt = (response: { batchItemFailures: Array<{ itemIdentifier: string }> }) =>
      response.batchItemFailures.map(({ itemIdentifier }) =>
        event.Records.findIndex((r) => r.kinesis.sequenceNumber === itemIdentifier),
      );
    // view/web are events 1, 5, 7, 11 and 13: records 1, 5, 7, 12 and 14 behind the invalid record.
    expect(failedAt(first)).toEqual([1, 5, 7, invalidAt, 12, 14]);
    outage = false;

    // Lambda checkpoints before the lowest failed record and delivers everything from there again.
    const second = await aggregateBatch(slice(event, 1), lambdaContext('aggregate'), deps(table, client));
    expect(failedAt(second)).toEqual([invalidAt]);
    // The invalid record fails every retry; the records behind it were applied on the first try.
    const third = await aggregateBatch(slice(event, invalidAt), lambdaContext('aggregate'), deps(table, client));
    expect(failedAt(third)).toEqual([invalidAt]);

    expect(storedTotals(await scanTable(table))).toEqual(expectedTotals(events));
  });

  it('changes nothing when a batch already applied is redelivered bisected, first half then second half', async () => {
    const table = await aNewTable();
    const events = someEvents(20, ['click']);
    const event = await batchOf(events.map(bytesOf));
    await aggregateBatch(event, lambdaContext('aggregate'), deps(table));
    const applied = await scanTable(table);
    expect(storedTotals(applied)).toEqual(expectedTotals(events));

    for (const half of [slice(event, 0, 10), slice(event, 10)]) {
      expect(await aggregateBatch(half, lambdaContext('aggregate'), deps(table))).toEqual({ batchItemFailures: [] });
    }

    expect(await scanTable(table)).toEqual(applied);
  });

  it('lets two shards write the same type and minute at the same time without a conflict: each writes its own part', async () => {
    const table = await aNewTable();
    const eventsA = Array.from({ length: 6 }, (_, i) => ({
      type: 'shared',
      source: 'a',
      time: '2026-11-25T21:04:10Z',
      value: i,
    }));
    const eventsB = Array.from({ length: 4 }, (_, i) => ({
      type: 'shared',
      source: 'b',
      time: '2026-11-25T21:04:50Z',
      value: 10 * i,
    }));
    // Kinesis numbers each shard on its own: the two shards may well use the same sequence numbers.
    const batchA = aKinesisBatch(
      eventsA.map((e) => ({ data: bytesOf(e) })),
      { shardId: 'shardId-000000000000' },
    );
    const batchB = aKinesisBatch(
      eventsB.map((e) => ({ data: bytesOf(e) })),
      { shardId: 'shardId-000000000001' },
    );
    let releaseA = () => {};
    const bWritten = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    let sharedPutsOfA = 0;
    // Shard A reads before shard B writes and puts only after: with one item per type and minute,
    // A's put lost the race and was retried; with a part per shard, it is A's alone.
    const clientA = interceptingPuts(async (item) => {
      if (item.pk !== 'T#shared') return;
      sharedPutsOfA += 1;
      await bWritten;
    });

    const [responseA, responseB] = await Promise.all([
      aggregateBatch(batchA, lambdaContext('aggregate'), deps(table, clientA)),
      aggregateBatch(batchB, lambdaContext('aggregate'), deps(table)).finally(releaseA),
    ]);

    expect(responseA).toEqual({ batchItemFailures: [] });
    expect(responseB).toEqual({ batchItemFailures: [] });
    expect(sharedPutsOfA).toBe(1);
    const items = await scanTable(table);
    expect(storedTotals(items)).toEqual(expectedTotals([...eventsA, ...eventsB]));
    expect(items.filter((item) => item.pk === 'T#shared')).toEqual([
      expect.objectContaining({ shardId: 'shardId-000000000000', count: 6, version: 1 }),
      expect.objectContaining({ shardId: 'shardId-000000000001', count: 4, version: 1 }),
    ]);
  });

  it('still counts exactly once when a write of another writer lands in between (an overlap the mapping never makes)', async () => {
    const table = await aNewTable();
    const events = someEvents(8, ['click']);
    const batch = aKinesisBatch(
      events.map((e) => ({ data: bytesOf(e) })),
      { shardId: 'shardId-000000000000' },
    );
    const first = slice(batch, 0, 4);
    const whole = batch;
    let interleaved = false;
    // The whole batch read the parts before; the first half lands just before its put.
    const client = interceptingPuts(async () => {
      if (interleaved) return;
      interleaved = true;
      await aggregateBatch(first, lambdaContext('aggregate'), deps(table));
    });

    expect(await aggregateBatch(whole, lambdaContext('aggregate'), deps(table, client))).toEqual({
      batchItemFailures: [],
    });
    expect(storedTotals(await scanTable(table))).toEqual(expectedTotals(events));
  });
});
