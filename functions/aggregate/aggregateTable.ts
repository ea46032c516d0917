import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  type GetCommandOutput,
  PutCommand,
  type PutCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { AggregateItem } from '../../shared/aggregates/aggregateItem.ts';
import { mapConcurrent } from '../../shared/async/mapConcurrent.ts';
import { logger } from '../../shared/observability/powertools.ts';

/** What the consumer needs of a DynamoDB document client (the shared one, or a wrapper in tests). */
export interface AggregateTableClient {
  send(command: BatchGetCommand): Promise<BatchGetCommandOutput>;
  send(command: GetCommand): Promise<GetCommandOutput>;
  send(command: PutCommand): Promise<PutCommandOutput>;
}

export interface AggregateTable {
  client: AggregateTableClient;
  tableName: string;
}

export interface ItemKey {
  pk: string;
  window: string;
}

/** BatchGetItem takes at most 100 keys per call. */
const BATCH_GET_MAX_KEYS = 100;
const BATCH_GET_ATTEMPTS = 4;
const BATCH_GET_BASE_DELAY_MS = 25;
const READ_CONCURRENCY = 8;

/** A key (or an item, or a key DynamoDB sends back) as one string: `pk`, newline, `window`. */
export const itemKeyId = (key: { pk?: unknown; window?: unknown }): string =>
  `${String(key.pk)}\n${String(key.window)}`;

/**
 * Reads many items with strongly consistent BatchGetItem calls, re-asking for `UnprocessedKeys`
 * with jittered backoff. The result maps each key (`pk` + newline + `window`) to its item, or to
 * `undefined` when there is none; a key missing from the map could not be read (still unprocessed,
 * or its call failed): read it again with `readAggregate`.
 *
 * @example
 * const stored = await readAggregates(table, [{ pk: 'T#page_view', window: '2026-11-25T21:04:00.000Z' }]);
 */
export async function readAggregates(
  table: AggregateTable,
  keys: readonly ItemKey[],
): Promise<Map<string, AggregateItem | undefined>> {
  const found = new Map<string, AggregateItem | undefined>();
  const chunks: ItemKey[][] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_MAX_KEYS) {
    chunks.push(keys.slice(start, start + BATCH_GET_MAX_KEYS));
  }
  await mapConcurrent(chunks, READ_CONCURRENCY, async (chunk) => {
    let pending: Record<string, unknown>[] = chunk.map(({ pk, window }) => ({ pk, window }));
    for (let attempt = 1; attempt <= BATCH_GET_ATTEMPTS && pending.length > 0; attempt += 1) {
      if (attempt > 1) await sleep(Math.random() * BATCH_GET_BASE_DELAY_MS * 2 ** (attempt - 2));
      let output: BatchGetCommandOutput;
      try {
        output = await table.client.send(
          new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
      } catch (error) {
        logger.warn('batch read of aggregates failed; its keys are read one by one', { error });
        return;
      }
      for (const item of output.Responses?.[table.tableName] ?? []) {
        found.set(itemKeyId(item), item as AggregateItem);
      }
      const unprocessed = output.UnprocessedKeys?.[table.tableName]?.Keys ?? [];
      const retry = new Set(unprocessed.map(itemKeyId));
      // Asked for, not returned, not unprocessed: no such item yet.
      for (const key of pending) {
        const id = itemKeyId(key);
        if (!found.has(id) && !retry.has(id)) found.set(id, undefined);
      }
      pending = unprocessed;
    }
  });
  return found;
}

/**
 * One strongly consistent read.
 *
 * @example
 * const stored = await readAggregate(table, { pk: 'T#page_view', window: '2026-11-25T21:04:00.000Z' });
 */
export async function readAggregate(table: AggregateTable, key: ItemKey): Promise<AggregateItem | undefined> {
  const output = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: { pk: key.pk, window: key.window }, ConsistentRead: true }),
  );
  return output.Item as AggregateItem | undefined;
}

/**
 * Replaces the item only if the stored one is still the one it was folded from: absent when
 * `readVersion` is undefined, else at `readVersion`. Throws `ConditionalCheckFailedException` when
 * another writer (a batch of another shard) got there first.
 *
 * @example
 * await putAggregate(table, folded.item, stored?.version);
 */
export async function putAggregate(
  table: AggregateTable,
  item: AggregateItem,
  readVersion: number | undefined,
): Promise<void> {
  await table.client.send(
    new PutCommand({
      TableName: table.tableName,
      Item: item,
      ...(readVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } }
        : {
            ConditionExpression: '#version = :readVersion',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':readVersion': readVersion },
          }),
    }),
  );
}

/** The error DynamoDB answers a failed condition with (lib-dynamodb passes the service error through). */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';
