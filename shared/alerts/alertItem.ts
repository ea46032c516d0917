/**
 * The alerts table, as the alert consumer writes it and the query API reads it. Both sides import
 * this module, so the item layout lives in one place.
 *
 * One item per (rule, group): `alertKey` = `<ruleId>#<groupBy>=<percent-encoded group value>`.
 * It holds the rule's evaluation state for that group and the alert's lifecycle. The `byState`
 * index (partition `state`, sort `changedAt`) lists firing or resolved alerts newest first.
 */

/** Name of the global secondary index: partition `state`, sort `changedAt`. */
export const BY_STATE_INDEX = 'byState';

export const ALERT_STATES = ['firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const GROUP_BY = ['source', 'subject'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** One matching event remembered for a rate rule's window. */
export interface RecentMatch {
  /** The event's `id`: merging by id makes a redelivered event count once. */
  id: string;
  /** Event time, epoch ms. */
  t: number;
}

/** The stored state of one rule for one group. */
export interface AlertItem {
  alertKey: string;
  ruleId: string;
  severity: Severity;
  groupBy: GroupBy;
  /** The value of the `groupBy` attribute this item is about (a source or a subject). */
  group: string;
  /** Absent until the rule first fires for this group (the item then only holds `recent`). */
  state?: AlertState;
  /** ISO 8601 of the last state change; the byState sort key. */
  changedAt?: string;
  /** ISO 8601 of the last time the alert fired (notification sent or due). */
  firedAt?: string;
  resolvedAt?: string;
  /** How many times this alert has fired over its life. */
  firedCount: number;
  /**
   * Matching events that can still change a decision, sorted by event time (newest last): those
   * less than two windows behind the newest, thinned where a burst is denser than the threshold
   * needs (see `trimRecent` in functions/alert/alertWindow.ts).
   */
  recent: RecentMatch[];
  /**
   * Event time (epoch ms) of the newest match already covered by a firing of this alert. A match at
   * or before it never fires the alert again (a redelivered or late part of a burst that was alerted).
   */
  coveredThrough?: number;
  /** What triggered the last firing: matching events in the window at that moment. */
  matchedCount?: number;
  /** `pending` between the state write and a successful publish; redelivery publishes a pending one. */
  notification?: 'pending' | 'sent';
  /** Incremented on every write; the optimistic lock of read-modify-write. */
  version: number;
  updatedAt: string;
}

/**
 * The key of a rule's state for one group.
 *
 * @example
 * alertKey('error-burst', 'source', 'checkout#eu'); // 'error-burst#source=checkout%23eu'
 */
export function alertKey(ruleId: string, groupBy: GroupBy, group: string): string {
  return `${ruleId}#${groupBy}=${encodeURIComponent(group)}`;
}

/**
 * Identifies one firing of an alert, in its `firing` and its `resolved` notification alike, so a
 * subscriber can drop the rare duplicate (see functions/alert/rules/README.md).
 *
 * @example
 * alertId('error-burst#source=checkout', '2026-11-25T10:15:04.000Z'); // 'error-burst#source=checkout@2026-11-25T10:15:04.000Z'
 */
export function alertId(key: string, firedAt: string): string {
  return `${key}@${firedAt}`;
}

/** The notification every channel carries (SNS message body as JSON; the local sink stores the same). */
export interface AlertNotification {
  alertKey: string;
  ruleId: string;
  severity: Severity;
  state: AlertState;
  groupBy: GroupBy;
  group: string;
  /** ISO 8601: when it fired (state firing) or resolved (state resolved). */
  at: string;
  matchedCount?: number;
  description?: string;
}

/** The SNS message body: the notification and the id of the firing it is about (`alertId`). */
export interface AlertMessage extends AlertNotification {
  alertId: string;
}
