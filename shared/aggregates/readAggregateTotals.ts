import { type QueryReader, queryPages } from '../aws/queryPages.ts';
import {
  type AggregateItem,
  type AggregateScope,
  type AggregateTotals,
  aggregateKey,
  partSortKeyRange,
  sumAggregateParts,
} from './aggregateItem.ts';

/**
 * The totals of one key in one window as they stand: every shard's part read (strongly
 * consistent) and summed; `undefined` while no shard has counted anything there. For scripts and
 * benchmarks that watch one window; the query API reads ranges (functions/query/queryAggregates.ts).
 *
 * @example
 * await readAggregateTotals(documents, 'kinesis-pipeline-local-aggregate-parts', { type: 'page_view' }, '2026-11-25T21:04:00.000Z');
 */
export async function readAggregateTotals(
  reader: QueryReader,
  table: string,
  scope: AggregateScope,
  window: string,
): Promise<AggregateTotals | undefined> {
  const { lo, hi } = partSortKeyRange(window, window);
  const parts: AggregateItem[] = [];
  const pages = queryPages<AggregateItem>(reader, {
    TableName: table,
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
    ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
    ExpressionAttributeValues: { ':pk': aggregateKey(scope), ':lo': lo, ':hi': hi },
    ConsistentRead: true,
  });
  for await (const page of pages) parts.push(...page);
  return parts.length === 0 ? undefined : sumAggregateParts(parts);
}
