import { type AlertItem, type AlertState, BY_STATE_INDEX } from '../../shared/alerts/alertItem.ts';
import { type QueryReader, queryPages } from '../../shared/aws/queryPages.ts';
import type { AlertsCursor, AlertsQuery } from './alertsParams.ts';
import { collectSorted } from './collectSorted.ts';
import { encodeCursor } from './cursor.ts';

/** An alert as the API shows it: no rule evaluation state (recent matches, notification, version). */
export type AlertView = Pick<
  AlertItem,
  'alertKey' | 'ruleId' | 'severity' | 'groupBy' | 'group' | 'firedAt' | 'resolvedAt' | 'firedCount' | 'matchedCount'
> & { state: AlertState; changedAt: string };

/** An item of the byState index: the sparse index only holds items that have a state. */
type ListedAlert = AlertItem & { state: AlertState; changedAt: string };

export interface AlertsPage {
  items: AlertView[];
  /** Present when more items follow; pass it back as `cursor` with the same parameters. */
  nextCursor?: string;
}

export interface AlertsDeps {
  documents: QueryReader;
  table: string;
}

/**
 * One page of alerts changed since `query.since`, newest first (ties by alertKey), of one state or
 * both: each state's partition of the byState index is read newest first and the two are merged.
 *
 * @example
 * await queryAlerts({ states: ['firing'], since, limit: 100 }, { documents, table: 'alerts' });
 */
export async function queryAlerts(query: AlertsQuery, deps: AlertsDeps): Promise<AlertsPage> {
  const perState = await Promise.all(
    query.states.map((state) =>
      collectSorted(statePages(state, query, deps), query.limit, (item) => item.changedAt, newestFirst),
    ),
  );
  const merged = perState.flatMap((page) => page.items).sort(newestFirst);
  const items = merged.slice(0, query.limit);
  const more = merged.length > query.limit || perState.some((page) => page.more);
  const last = items[items.length - 1];
  return {
    items: items.map(toAlertView),
    ...(more && last && { nextCursor: encodeCursor({ changedAt: last.changedAt, alertKey: last.alertKey }) }),
  };
}

async function* statePages(state: AlertState, query: AlertsQuery, deps: AlertsDeps) {
  const after = query.after;
  if (after && after.changedAt < query.since) return;
  const pages = queryPages<ListedAlert>(deps.documents, {
    TableName: deps.table,
    IndexName: BY_STATE_INDEX,
    KeyConditionExpression: after
      ? '#state = :state AND #changedAt BETWEEN :since AND :until'
      : '#state = :state AND #changedAt >= :since',
    ExpressionAttributeNames: { '#state': 'state', '#changedAt': 'changedAt' },
    ExpressionAttributeValues: { ':state': state, ':since': query.since, ...(after && { ':until': after.changedAt }) },
    ScanIndexForward: false,
    Limit: query.limit + 1,
  });
  for await (const items of pages) yield after ? items.filter((item) => isAfter(item, after)) : items;
}

/** Later in the listing: older, or as old with a greater alertKey. */
function isAfter(item: ListedAlert, after: AlertsCursor): boolean {
  return item.changedAt < after.changedAt || (item.changedAt === after.changedAt && item.alertKey > after.alertKey);
}

function newestFirst(a: ListedAlert, b: ListedAlert): number {
  if (a.changedAt !== b.changedAt) return a.changedAt > b.changedAt ? -1 : 1;
  return a.alertKey < b.alertKey ? -1 : a.alertKey > b.alertKey ? 1 : 0;
}

/** Picks the public attributes, so an attribute added to the table never leaks by accident. */
export function toAlertView(item: ListedAlert): AlertView {
  return {
    alertKey: item.alertKey,
    ruleId: item.ruleId,
    severity: item.severity,
    groupBy: item.groupBy,
    group: item.group,
    state: item.state,
    changedAt: item.changedAt,
    ...(item.firedAt !== undefined && { firedAt: item.firedAt }),
    ...(item.resolvedAt !== undefined && { resolvedAt: item.resolvedAt }),
    firedCount: item.firedCount,
    ...(item.matchedCount !== undefined && { matchedCount: item.matchedCount }),
  };
}
