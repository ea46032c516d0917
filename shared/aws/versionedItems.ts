import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, type BatchGetCommandOutput, PutCommand, type PutCommandOutput } from '@aws-sdk/lib-dynamodb';
import { mapConcurrent } from '../async/mapConcurrent.ts';
import { logger } from '../observability/powertools.ts';

/**
 * Items guarded by a `version` attribute: read many at once with strongly consistent BatchGetItem,
 * then replace each one only if nobody wrote it since it was read (optimistic concurrency). The
 * aggregate and alert consumers keep their tables this way.
 */

/** What these helpers need of a DynamoDB document client (the shared one, or a fake in tests). */
export interface VersionedItemsClient {
  send(command: BatchGetCommand): Promise<BatchGetCommandOutput>;
  send(command: PutCommand): Promise<PutCommandOutput>;
}

export interface VersionedTable {
  client: VersionedItemsClient;
  tableName: string;
}

/** A key, an item or a key DynamoDB sends back: the attributes by name. */
export type KeyAttributes = Record<string, unknown>;

/** BatchGetItem takes at most 100 keys per call. */
const BATCH_GET_MAX_KEYS = 100;
/** Calls per chunk: the first plus three re-asks for what came back unprocessed. */
const BATCH_GET_ATTEMPTS = 4;
const BATCH_GET_BASE_DELAY_MS = 25;
/** Chunks read at the same time. */
const BATCH_GET_CONCURRENCY = 8;

/**
 * Reads many items with strongly consistent BatchGetItem calls: chunks of 100 keys, up to 8 chunks
 * at a time, re-asking for `UnprocessedKeys` with jittered backoff (4 calls per chunk at most).
 * `keyId` turns a key, a returned item and an unprocessed key alike into one string (duplicate ids
 * are asked for once).
 *
 * The result maps each id to its item, or to `undefined` when there is no such item. An id missing
 * from the map could not be read: still unprocessed after the last call, or its chunk's call failed
 * (logged as a warning, not thrown). Read those keys one by one with GetItem.
 *
 * @example
 * const stored = await batchGetConsistent<AlertItem>(table, [{ alertKey: 'error-burst#source=checkout' }], (key) =>
 *   String(key.alertKey),
 * );
 * const known = stored.has('error-burst#source=checkout'); // false: read it on its own
 */
export async function batchGetConsistent<Item>(
  table: VersionedTable,
  keys: readonly KeyAttributes[],
  keyId: (key: KeyAttributes) => string,
): Promise<Map<string, Item | undefined>> {
  const found = new Map<string, Item | undefined>();
  const unique = [...new Map(keys.map((key) => [keyId(key), key])).values()];
  const chunks: KeyAttributes[][] = [];
  for (let start = 0; start < unique.length; start += BATCH_GET_MAX_KEYS) {
    chunks.push(unique.slice(start, start + BATCH_GET_MAX_KEYS));
  }
  await mapConcurrent(chunks, BATCH_GET_CONCURRENCY, async (chunk) => {
    let pending = chunk;
    for (let attempt = 1; attempt <= BATCH_GET_ATTEMPTS && pending.length > 0; attempt += 1) {
      if (attempt > 1) await sleep(Math.random() * BATCH_GET_BASE_DELAY_MS * 2 ** (attempt - 2));
      let output: BatchGetCommandOutput;
      try {
        output = await table.client.send(
          new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
      } catch (error) {
        logger.warn('batch read failed; its keys are read one by one', {
          table: table.tableName,
          keys: pending.length,
          error,
        });
        return;
      }
      for (const item of output.Responses?.[table.tableName] ?? []) found.set(keyId(item), item as Item);
      const unprocessed = output.UnprocessedKeys?.[table.tableName]?.Keys ?? [];
      const retry = new Set(unprocessed.map(keyId));
      // Asked for, not returned, not unprocessed: no such item yet.
      for (const key of pending) {
        const id = keyId(key);
        if (!found.has(id) && !retry.has(id)) found.set(id, undefined);
      }
      pending = unprocessed;
    }
  });
  return found;
}

/**
 * Puts `item` only if the stored one is still the one it was computed from: absent when
 * `readVersion` is undefined (`attribute_not_exists(<hashKey>)`), else at `readVersion`
 * (`#version = :readVersion`, the item's `version` attribute). Throws DynamoDB's
 * `ConditionalCheckFailedException` when another writer got there first (see
 * `isConditionalCheckFailed`): read again and start over.
 *
 * @example
 * await putIfVersion(table, 'alertKey', { ...item, version: stored.version + 1 }, stored.version);
 * await putIfVersion(table, 'pk', firstItem, undefined); // only if there is no item with its key yet
 */
export async function putIfVersion<Item extends { version: number }>(
  table: VersionedTable,
  hashKey: string,
  item: Item,
  readVersion: number | undefined,
): Promise<void> {
  await table.client.send(
    new PutCommand({
      TableName: table.tableName,
      Item: item,
      ...(readVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(#hashKey)', ExpressionAttributeNames: { '#hashKey': hashKey } }
        : {
            ConditionExpression: '#version = :readVersion',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':readVersion': readVersion },
          }),
    }),
  );
}

/**
 * Whether `error` is DynamoDB's answer to a failed condition (lib-dynamodb passes the service error
 * through): a lost race, as opposed to a failure.
 *
 * @example
 * try {
 *   await putIfVersion(table, 'pk', item, stored?.version);
 * } catch (error) {
 *   if (!isConditionalCheckFailed(error)) throw error;
 *   // someone else wrote it first: read it again
 * }
 */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';
