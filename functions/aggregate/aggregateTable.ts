import {
  type BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  type GetCommandOutput,
  type PutCommand,
  type PutCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { AggregateItem } from '../../shared/aggregates/aggregateItem.ts';
import { batchGetConsistent, putIfVersion } from '../../shared/aws/versionedItems.ts';

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

/** A key (or an item, or a key DynamoDB sends back) as one string: `pk`, newline, `window`. */
export const itemKeyId = (key: { pk?: unknown; window?: unknown }): string =>
  `${String(key.pk)}\n${String(key.window)}`;

/**
 * Reads many aggregates with `batchGetConsistent`. The result maps each key (`pk` + newline +
 * `window`, see `itemKeyId`) to its item, or to `undefined` when there is none; a key missing from
 * the map could not be read (still unprocessed, or its call failed): read it again with `readAggregate`.
 *
 * @example
 * const stored = await readAggregates(table, [{ pk: 'T#page_view', window: '2026-11-25T21:04:00.000Z' }]);
 */
export const readAggregates = (
  table: AggregateTable,
  keys: readonly ItemKey[],
): Promise<Map<string, AggregateItem | undefined>> =>
  batchGetConsistent<AggregateItem>(
    table,
    keys.map(({ pk, window }) => ({ pk, window })),
    itemKeyId,
  );

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
export const putAggregate = (
  table: AggregateTable,
  item: AggregateItem,
  readVersion: number | undefined,
): Promise<void> => putIfVersion(table, 'pk', item, readVersion);

/** Whether a put lost the race (see `shared/aws/versionedItems.ts`). */
export { isConditionalCheckFailed } from '../../shared/aws/versionedItems.ts';
