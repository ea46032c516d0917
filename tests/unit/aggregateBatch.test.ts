import { setTimeout as sleep } from 'node:timers/promises';
import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import { BatchGetCommand, GetCommand, type PutCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AggregateDependencies, aggregateBatch } from '../../functions/aggregate/aggregateBatch.ts';
import type { AggregateTableClient } from '../../functions/aggregate/aggregateTable.ts';
import { type AggregateItem, paddedSequence } from '../../shared/aggregates/aggregateItem.ts';
import { encodeAggregated } from '../../shared/kinesis/kplAggregation.ts';
import { metrics } from '../../shared/observability/powertools.ts';
import { aKinesisBatch, aPipelineRecordBytes, sequence } from '../helpers/kinesisEvents.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';

const TABLE = 'aggregates';
const TIME = '2026-11-25T21:04:10.000Z';
const WINDOW = '2026-11-25T21:04:00.000Z';
const SHARD = 'shardId-000000000000';

interface FakeOptions {
  /** Put of a matching item throws this error instead of writing. */
  failPut?: (item: AggregateItem, attempt: number) => Error | undefined;
  /** Whether BatchGet call number `call` (1-based) answers every key as UnprocessedKeys. */
  unprocessed?: (call: number) => boolean;
  putDelayMs?: number;
}

/**
 * An in-memory aggregates table with DynamoDB's semantics for what the consumer uses: BatchGet
 * (with UnprocessedKeys), Get, and Put with the two conditions the consumer writes.
 */
function fakeTable(options: FakeOptions = {}) {
  const items = new Map<string, AggregateItem>();
  const puts: AggregateItem[] = [];
  const putAttempts = new Map<string, number>();
  let batchGets = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const id = (key: { pk?: unknown; sk?: unknown }) => `${String(key.pk)}|${String(key.sk)}`;
  const conditionFailed = () =>
    Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
  const client: AggregateTableClient = {
    async send(command: BatchGetCommand | GetCommand | PutCommand): Promise<never> {
      if (command instanceof BatchGetCommand) {
        batchGets += 1;
        const keys = command.input.RequestItems?.[TABLE]?.Keys ?? [];
        if (options.unprocessed?.(batchGets)) {
          return { Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: { Keys: keys } } } as never;
        }
        const found = keys.flatMap((key) => items.get(id(key)) ?? []);
        return { Responses: { [TABLE]: structuredClone(found) }, UnprocessedKeys: {} } as never;
      }
      if (command instanceof GetCommand) {
        const item = items.get(id(command.input.Key ?? {}));
        return { Item: item && structuredClone(item) } as never;
      }
      const item = command.input.Item as AggregateItem;
      const attempt = (putAttempts.get(id(item)) ?? 0) + 1;
      putAttempts.set(id(item), attempt);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (options.putDelayMs) await sleep(options.putDelayMs);
        const injected = options.failPut?.(item, attempt);
        if (injected) throw injected;
        const stored = items.get(id(item));
        const expected = command.input.ExpressionAttributeValues?.[':readVersion'];
        if (expected === undefined ? stored !== undefined : stored?.version !== expected) throw conditionFailed();
        items.set(id(item), structuredClone(item));
        puts.push(item);
        return {} as never;
      } finally {
        inFlight -= 1;
      }
    },
  };
  return {
    client,
    items,
    puts,
    conditionFailed,
    /** The part of the batches' shard (aKinesisBatch's default) of a key in WINDOW. */
    get: (pk: string) => items.get(`${pk}|${WINDOW}#${SHARD}`),
    maxInFlight: () => maxInFlight,
  };
}

const deps = (client: AggregateTableClient, writes?: AggregateDependencies['writes']): AggregateDependencies => ({
  dynamoDb: client,
  table: TABLE,
  ttlDays: 30,
  clock: () => Date.parse('2026-11-25T21:05:00.000Z'),
  writes: { baseDelayMs: 1, ...writes },
});
const context = lambdaContext('aggregate');
const anEventOf = (type: string, source: string, value?: number) => ({
  data: aPipelineRecordBytes({ type, source, time: TIME, value }),
});
/** The records from `first` (1-based) on, as Lambda redelivers after a partial failure. */
const from = (event: KinesisStreamEvent, first: number): KinesisStreamEvent => ({
  Records: structuredClone(event.Records.slice(first - 1)),
});

afterEach(() => vi.restoreAllMocks());

describe('aggregateBatch', () => {
  it('writes one item per key and window, not one per record', async () => {
    const table = fakeTable();
    const records = Array.from({ length: 50 }, (_, i) => anEventOf(i % 2 ? 'click' : 'view', 'web', i));
    const response = await aggregateBatch(aKinesisBatch(records), context, deps(table.client));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(table.puts.map((item) => item.pk).sort()).toEqual(['T#click', 'T#view', 'TS#click#web', 'TS#view#web']);
    expect(table.get('T#click')).toMatchObject({ count: 25, sum: 625, min: 1, max: 49 });
  });

  it('reports invalid records and every record of an item that could not be written, in shard order', async () => {
    const table = fakeTable({
      failPut: (item) => (item.pk === 'TS#view#web' ? new Error('ProvisionedThroughputExceeded') : undefined),
    });
    const event = aKinesisBatch([
      anEventOf('click', 'web', 1),
      { data: '{"not":"a pipeline record"}' },
      anEventOf('view', 'web', 2),
      anEventOf('click', 'app', 3),
      anEventOf('view', 'web', 4),
    ]);
    const response = await aggregateBatch(event, context, deps(table.client));
    expect(response.batchItemFailures).toEqual([2, 3, 5].map((n) => ({ itemIdentifier: sequence(n) })));
    // Valid records are applied even behind a failed one: their redelivery is skipped by the watermark.
    expect(table.get('T#click')).toMatchObject({ count: 2, sum: 4 });
    expect(table.get('T#view')).toMatchObject({ count: 2, sum: 6 });
    expect(table.get('TS#view#web')).toBeUndefined();
  });

  it('completes the totals without double counting when Lambda redelivers from the first failure', async () => {
    let failing = true;
    const table = fakeTable({ failPut: (item) => (failing && item.pk === 'T#view' ? new Error('boom') : undefined) });
    const event = aKinesisBatch([
      anEventOf('click', 'web', 1),
      anEventOf('view', 'web', 2),
      anEventOf('click', 'web', 3),
      anEventOf('view', 'app', 4),
    ]);
    const first = await aggregateBatch(event, context, deps(table.client));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: sequence(2) }, { itemIdentifier: sequence(4) }]);
    failing = false;
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const second = await aggregateBatch(from(event, 2), context, deps(table.client));
    expect(second).toEqual({ batchItemFailures: [] });
    expect(table.get('T#click')).toMatchObject({ count: 2, sum: 4, version: 1 });
    expect(table.get('T#view')).toMatchObject({ count: 2, sum: 6, version: 1 });
    expect(table.get('TS#view#web')).toMatchObject({ count: 1, sum: 2, version: 1 });
    expect(table.get('TS#view#app')).toMatchObject({ count: 1, sum: 4, version: 1 });
    const metric = (name: string) => addMetric.mock.calls.find(([metricName]) => metricName === name)?.[2];
    expect(metric('AggregatedEvents')).toBe(2);
    expect(metric('AggregateDuplicatesSkipped')).toBe(1);
    expect(metric('AggregateWrites')).toBe(1);
  });

  it('counts each user record of a KPL-aggregated record once when a failure brings the whole record back', async () => {
    let failing = true;
    const table = fakeTable({ failPut: (item) => (failing && item.pk === 'T#view' ? new Error('boom') : undefined) });
    const user = (type: string, value: number) => ({
      partitionKey: 'web',
      data: aPipelineRecordBytes({ type, source: 'web', time: TIME, value }),
    });
    const event = aKinesisBatch([
      { data: encodeAggregated([user('click', 1), user('view', 2), user('click', 3)]) },
      anEventOf('view', 'app', 4),
      anEventOf('click', 'app', 5),
    ]);
    const first = await aggregateBatch(event, context, deps(table.client));
    // The failure names the Kinesis record, the unit Lambda checkpoints.
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: sequence(1) }, { itemIdentifier: sequence(2) }]);
    expect(table.get('T#click')).toMatchObject({ count: 3, sum: 9 });
    failing = false;
    expect(await aggregateBatch(from(event, 1), context, deps(table.client))).toEqual({ batchItemFailures: [] });
    expect(await aggregateBatch(from(event, 1), context, deps(table.client))).toEqual({ batchItemFailures: [] });
    expect(table.get('T#click')).toMatchObject({ count: 3, sum: 9, version: 1 });
    expect(table.get('T#view')).toMatchObject({ count: 2, sum: 6, version: 1 });
    expect(table.get('TS#click#web')).toMatchObject({ count: 2, sum: 4, version: 1 });
  });

  it('counts events written straight to the stream without the ingest fields, once per record', async () => {
    const table = fakeTable();
    const bare = { data: JSON.stringify({ type: 'click', source: 'kiosk', time: TIME, value: 5 }) };
    const event = aKinesisBatch([bare, bare]);
    expect(await aggregateBatch(event, context, deps(table.client))).toEqual({ batchItemFailures: [] });
    expect(await aggregateBatch(from(event, 2), context, deps(table.client))).toEqual({ batchItemFailures: [] });
    expect(table.get('T#click')).toMatchObject({ count: 2, sum: 10 });
  });

  it('reports an aggregated record whose digest does not match, and counts the records around it', async () => {
    const table = fakeTable();
    const corrupt = Buffer.from(
      encodeAggregated([{ partitionKey: 'web', data: aPipelineRecordBytes({ time: TIME }) }]),
    );
    corrupt[corrupt.length - 1] = (corrupt.at(-1) as number) ^ 1;
    const event = aKinesisBatch([anEventOf('click', 'web', 1), { data: corrupt }, anEventOf('click', 'web', 2)]);
    const response = await aggregateBatch(event, context, deps(table.client));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: sequence(2) }]);
    expect(table.get('T#click')).toMatchObject({ count: 2, sum: 3 });
  });

  it('fails the whole invoke when no record could be applied, so Lambda retries and bisects it', async () => {
    const table = fakeTable({ failPut: () => new Error('AccessDenied') });
    const event = aKinesisBatch([anEventOf('click', 'web', 1), anEventOf('view', 'web', 2)]);
    await expect(aggregateBatch(event, context, deps(table.client))).rejects.toThrow(FullBatchFailureError);
  });

  it('re-reads and folds again when another writer changed the part, keeping both contributions', async () => {
    const table = fakeTable({
      failPut: (item, attempt) => {
        if (item.pk !== 'T#click' || attempt !== 1) return undefined;
        // Something else (an operator's replay of this shard) wrote the part between this batch's read and its put.
        table.items.set(`T#click|${WINDOW}#${SHARD}`, { ...item, count: 10, sum: 100, watermark: paddedSequence('0') });
        return table.conditionFailed();
      },
    });
    const response = await aggregateBatch(aKinesisBatch([anEventOf('click', 'web', 5)]), context, deps(table.client));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(table.get('T#click')).toMatchObject({ count: 11, sum: 105, version: 2 });
  });

  it('gives up on an item after the bounded attempts and reports its records', async () => {
    const table = fakeTable({ failPut: (item) => (item.pk === 'T#click' ? table.conditionFailed() : undefined) });
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const event = aKinesisBatch([anEventOf('view', 'web', 1), anEventOf('click', 'web', 2)]);
    const response = await aggregateBatch(event, context, deps(table.client, { attempts: 3 }));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: sequence(2) }]);
    expect(addMetric).toHaveBeenCalledWith('AggregateWriteConflicts', 'Count', 3);
  });

  it.each([
    ['asks for them again', (call: number) => call === 2],
    ['reads them one by one when they stay unprocessed', (call: number) => call >= 2],
  ])('with keys DynamoDB left unprocessed, %s, and never overwrites stored totals', async (_name, unprocessed) => {
    const table = fakeTable({ unprocessed });
    await aggregateBatch(aKinesisBatch([anEventOf('click', 'web', 1)]), context, deps(table.client));
    const next = aKinesisBatch([anEventOf('click', 'web', 2)], { firstSequence: 2 });
    expect(await aggregateBatch(next, context, deps(table.client))).toEqual({ batchItemFailures: [] });
    expect(table.get('T#click')).toMatchObject({ count: 2, sum: 3, version: 2 });
    expect(table.get('TS#click#web')).toMatchObject({ count: 2, sum: 3, version: 2 });
  });

  it('keeps at most the configured number of writes in flight', async () => {
    const table = fakeTable({ putDelayMs: 5 });
    const records = Array.from({ length: 30 }, (_, i) => anEventOf(`type-${i}`, 'web', i));
    await aggregateBatch(aKinesisBatch(records), context, deps(table.client, { concurrency: 4 }));
    expect(table.puts).toHaveLength(60);
    expect(table.maxInFlight()).toBe(4);
  });

  it('answers an empty batch with no failures and no calls', async () => {
    const table = fakeTable();
    expect(await aggregateBatch({ Records: [] }, context, deps(table.client))).toEqual({ batchItemFailures: [] });
    expect(table.puts).toEqual([]);
  });
});
