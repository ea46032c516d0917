import {
  type BatchGetCommand,
  type BatchGetCommandOutput,
  GetCommand,
  type GetCommandOutput,
  type PutCommand,
  type PutCommandOutput,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { type AlertItem, type AlertState, BY_STATE_INDEX } from '../../shared/alerts/alertItem.ts';
import { batchGetConsistent, isConditionalCheckFailed, putIfVersion } from '../../shared/aws/versionedItems.ts';

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

/**
 * Reads many alert items with `batchGetConsistent`. Maps each key to its item, or to `undefined`
 * when there is none yet; a key missing from the map could not be read (still unprocessed, or its
 * call failed): read it with `readAlert`.
 *
 * @example
 * const stored = await readAlerts(table, ['error-burst#source=checkout']);
 */
export const readAlerts = (table: AlertTable, keys: readonly string[]): Promise<Map<string, AlertItem | undefined>> =>
  batchGetConsistent<AlertItem>(
    table,
    keys.map((alertKey) => ({ alertKey })),
    (key) => String(key.alertKey),
  );

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
export const putAlert = (table: AlertTable, item: AlertItem, readVersion: number | undefined): Promise<void> =>
  putIfVersion(table, 'alertKey', item, readVersion);

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

/** Whether a put lost the race (see `shared/aws/versionedItems.ts`). */
export { isConditionalCheckFailed };
