import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  paginateScan,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { ArchivedEventLine } from '../../functions/archive/planArchive.ts';
import { windowStart } from '../../shared/aggregates/aggregateItem.ts';
import { RedriveError } from '../redrive/errors.ts';

/** The aggregate windows a rebuild owns: from the one holding `--from` through the one holding `--to`. */
export interface WindowRange {
  /** Window starts, ISO 8601 as the items' `window` (so string order is time order). */
  first: string;
  last: string;
}

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;
const UNPROCESSED_ATTEMPTS = 8;

/**
 * @example
 * windowRange(Date.parse('2026-01-02T03:00:30Z'), Date.parse('2026-01-02T03:05Z'));
 * // { first: '2026-01-02T03:00:00.000Z', last: '2026-01-02T03:05:00.000Z' }
 */
export function windowRange(fromMs: number, toMs: number): WindowRange {
  return { first: windowStart(fromMs), last: windowStart(toMs) };
}

/**
 * The archived events the aggregate consumer files under those windows: by each event's own `time`
 * (a late event belongs to its older window), as functions/aggregate/planAggregates.ts does.
 */
export function linesInWindows(lines: readonly ArchivedEventLine[], range: WindowRange): ArchivedEventLine[] {
  return lines.filter(({ event }) => {
    const timeMs = Date.parse(event.time);
    if (Number.isNaN(timeMs)) return false;
    const window = windowStart(timeMs);
    return window >= range.first && window <= range.last;
  });
}

/**
 * Deletes every aggregate item of the windows, type-level and (type, source) alike, every shard's
 * part, so that a replay of the archive counts those windows afresh: with their watermarks gone,
 * no archived event is skipped, and each counts once. Reads the table with a Scan filtered on `window` (it has no
 * index over every item by window): its cost is the whole table's read, paid once per rebuild.
 * Returns how many items were deleted.
 *
 * @example
 * const deleted = await deleteAggregateWindows(dynamodb, 'kinesis-pipeline-dev-aggregate-parts', range);
 */
export async function deleteAggregateWindows(
  dynamodb: DynamoDBClient,
  table: string,
  range: WindowRange,
): Promise<number> {
  const keys: Array<Record<string, AttributeValue>> = [];
  const pages = paginateScan(
    { client: dynamodb },
    {
      TableName: table,
      ProjectionExpression: 'pk, sk',
      FilterExpression: '#w BETWEEN :first AND :last',
      ExpressionAttributeNames: { '#w': 'window' },
      ExpressionAttributeValues: { ':first': { S: range.first }, ':last': { S: range.last } },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) keys.push(...(page.Items ?? []));
  for (let start = 0; start < keys.length; start += BATCH_WRITE_LIMIT) {
    const requests = keys.slice(start, start + BATCH_WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
    await deleteAll(dynamodb, table, requests);
  }
  return keys.length;
}

/** One BatchWriteItem, re-sending what DynamoDB leaves unprocessed (throttling) with backoff. */
async function deleteAll(dynamodb: DynamoDBClient, table: string, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > UNPROCESSED_ATTEMPTS) {
      throw new RedriveError(
        `${pending.length} aggregate items of ${table} still not deleted after ${UNPROCESSED_ATTEMPTS} attempts; run the rebuild again`,
      );
    }
    if (attempt > 1) await sleep(Math.min(50 * 2 ** attempt, 2_000));
    const { UnprocessedItems } = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
    pending = UnprocessedItems?.[table] ?? [];
  }
}
