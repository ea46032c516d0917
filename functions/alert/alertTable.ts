import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  type GetCommandOutput,
  PutCommand,
  type PutCommandOutput,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { type AlertItem, type AlertState, BY_STATE_INDEX } from '../../shared/alerts/alertItem.ts';

/** What the alert functions need of a DynamoDB document client (the shared one, or a wrapper in tests). */
export interface AlertTableClient {
  send(command: BatchGetCommand): Promise<BatchGetCommandOutput>;
  send(command: GetCommand): Promise<GetCommandOutput>;
  send(command: PutCommand): Promise<PutCommandOutput>;
  send(command: QueryCommand): Promise<QueryCommandOutput>;
}

export interface AlertTable {
  client: AlertTableClient;
  tableName: string;
}

/** BatchGetItem takes at most 100 keys per call. */
const BATCH_GET_MAX_KEYS = 100;
const BATCH_GET_ATTEMPTS = 4;
const BATCH_GET_BASE_DELAY_MS = 25;

/**
 * Reads many alert items with strongly consistent BatchGetItem calls, asking again for
 * `UnprocessedKeys` with jittered backoff. Maps every key to its item or `undefined` (no item yet);
 * a key still unprocessed after the last attempt is left out: read it with `readAlert`.
 *
 * @example
 * const stored = await readAlerts(table, ['error-burst#source=checkout']);
 */
export async function readAlerts(
  table: AlertTable,
  keys: readonly string[],
): Promise<Map<string, AlertItem | undefined>> {
  const found = new Map<string, AlertItem | undefined>();
  for (let start = 0; start < keys.length; start += BATCH_GET_MAX_KEYS) {
    let pending = keys.slice(start, start + BATCH_GET_MAX_KEYS).map((key) => ({ alertKey: key }));
    for (let attempt = 1; attempt <= BATCH_GET_ATTEMPTS && pending.length > 0; attempt += 1) {
      if (attempt > 1) await sleep(Math.random() * BATCH_GET_BASE_DELAY_MS * 2 ** (attempt - 2));
      const output = await table.client.send(
        new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of output.Responses?.[table.tableName] ?? []) found.set(String(item.alertKey), item as AlertItem);
      const unprocessed = (output.UnprocessedKeys?.[table.tableName]?.Keys ?? []).map((key) => String(key.alertKey));
      for (const { alertKey } of pending)
        if (!found.has(alertKey) && !unprocessed.includes(alertKey)) found.set(alertKey, undefined);
      pending = unprocessed.map((alertKey) => ({ alertKey }));
    }
  }
  return found;
}

/**
 * One strongly consistent read.
 *
 * @example
 * const stored = await readAlert(table, 'error-burst#source=checkout');
 */
export async function readAlert(table: AlertTable, key: string): Promise<AlertItem | undefined> {
  const output = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: { alertKey: key }, ConsistentRead: true }),
  );
  return output.Item as AlertItem | undefined;
}

/**
 * Replaces the item only if the stored one is still the one it was computed from: absent when
 * `readVersion` is undefined, else at `readVersion`. Throws `ConditionalCheckFailedException` when
 * another writer got there first.
 *
 * @example
 * await putAlert(table, evaluation.item, stored?.version);
 */
export async function putAlert(table: AlertTable, item: AlertItem, readVersion: number | undefined): Promise<void> {
  await table.client.send(
    new PutCommand({
      TableName: table.tableName,
      Item: item,
      ...(readVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(alertKey)' }
        : {
            ConditionExpression: '#version = :readVersion',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':readVersion': readVersion },
          }),
    }),
  );
}

/**
 * Marks the item's pending notification sent, if the item is still at its `version` (a writer that
 * got there first has read it pending and dealt with it). A conditional Put of the whole item, like
 * every other write here, so the functions need no UpdateItem permission. Returns whether it was marked.
 *
 * @example
 * await markNotificationSent(table, item, new Date().toISOString());
 */
export async function markNotificationSent(table: AlertTable, item: AlertItem, updatedAt: string): Promise<boolean> {
  try {
    await putAlert(table, { ...item, notification: 'sent', version: item.version + 1, updatedAt }, item.version);
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}

/**
 * Every item of one state from the `byState` index, all pages, optionally only those changed at
 * or after `changedSince` (ISO 8601) and only those with a pending notification.
 *
 * @example
 * const firing = await queryByState(table, 'firing');
 */
export async function queryByState(
  table: AlertTable,
  state: AlertState,
  options: { changedSince?: string; pendingOnly?: boolean } = {},
): Promise<AlertItem[]> {
  const items: AlertItem[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const output = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: BY_STATE_INDEX,
        KeyConditionExpression: `#state = :state${options.changedSince ? ' AND changedAt >= :since' : ''}`,
        ...(options.pendingOnly ? { FilterExpression: '#notification = :pending' } : {}),
        ExpressionAttributeNames: {
          '#state': 'state',
          ...(options.pendingOnly ? { '#notification': 'notification' } : {}),
        },
        ExpressionAttributeValues: {
          ':state': state,
          ...(options.changedSince ? { ':since': options.changedSince } : {}),
          ...(options.pendingOnly ? { ':pending': 'pending' } : {}),
        },
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      }),
    );
    items.push(...((output.Items ?? []) as AlertItem[]));
    exclusiveStartKey = output.LastEvaluatedKey;
  } while (exclusiveStartKey);
  return items;
}

/** The error DynamoDB answers a failed condition with (lib-dynamodb passes the service error through). */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';
