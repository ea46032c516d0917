import {
  type BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  type GetCommandOutput,
  type PutCommand,
  type PutCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { type AggregateItem, partSortKey } from '../../shared/aggregates/aggregateItem.ts';
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

/** The table key of a part: the aggregate's key and `partSortKey(window, shardId)`. */
export interface ItemKey {
  pk: string;
  sk: string;
}

/**
 * The table key of a group's part.
 *
 * @example
 * partKey({ pk: 'T#page_view', window: '2026-11-25T21:04:00.000Z', shardId: 'shardId-000000000000' });
 * // { pk: 'T#page_view', sk: '2026-11-25T21:04:00.000Z#shardId-000000000000' }
 */
export const partKey = (part: { pk: string; window: string; shardId: string }): ItemKey => ({
  pk: part.pk,
  sk: partSortKey(part.window, part.shardId),
});

/** A key (or an item, or a key DynamoDB sends back) as one string: `pk`, newline, `sk`. */
export const itemKeyId = (key: { pk?: unknown; sk?: unknown }): string => `${String(key.pk)}\n${String(key.sk)}`;

/**
 * Reads many parts with `batchGetConsistent`. The result maps each key (`pk` + newline + `sk`, see
 * `itemKeyId`) to its item, or to `undefined` when there is none; a key missing from the map could
 * not be read (still unprocessed, or its call failed): read it again with `readAggregate`.
 *
 * @example
 * const stored = await readAggregates(table, [partKey(group)]);
 */
export const readAggregates = (
  table: AggregateTable,
  keys: readonly ItemKey[],
): Promise<Map<string, AggregateItem | undefined>> =>
  batchGetConsistent<AggregateItem>(
    table,
    keys.map(({ pk, sk }) => ({ pk, sk })),
    itemKeyId,
  );

/**
 * One strongly consistent read.
 *
 * @example
 * const stored = await readAggregate(table, partKey(group));
 */
export async function readAggregate(table: AggregateTable, key: ItemKey): Promise<AggregateItem | undefined> {
  const output = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true }),
  );
  return output.Item as AggregateItem | undefined;
}

/**
 * Replaces the item only if the stored one is still the one it was folded from: absent when
 * `readVersion` is undefined, else at `readVersion`. Throws `ConditionalCheckFailedException` when
 * another writer got there first: only the part's own shard writes it, so that means two
 * invocations for one shard overlapped, which Lambda does not do (ParallelizationFactor 1).
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
