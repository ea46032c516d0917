import type { KinesisStreamRecord } from 'aws-lambda';
import { alertKey, type RecentMatch } from '../../shared/alerts/alertItem.ts';
import { streamEvents } from '../../shared/consumers/streamEvents.ts';
import { InvalidRecordError } from '../../shared/errors.ts';
import { groupOf, matchesPredicate } from './matchRule.ts';
import type { AlertRule } from './rules/ruleSchema.ts';

/** Everything one batch brings to one (rule, group): its matches and the records they came from. */
export interface GroupMatches {
  alertKey: string;
  rule: AlertRule;
  group: string;
  /** Matching events (id, event time), in batch order; duplicates are merged later, by id. */
  matches: RecentMatch[];
  /** The records behind the matches: they fail together if the group's update fails. */
  sequenceNumbers: string[];
}

export interface AlertPlan {
  groups: GroupMatches[];
  /**
   * Records holding an event that is not valid, by sequence number, with the first such event's
   * reason: reported failed; that event is never evaluated (the record's valid events are).
   */
  invalid: Map<string, InvalidRecordError>;
  /** (record, rule) pairs that matched. */
  matched: number;
}

/**
 * How far ahead of its arrival an event's own time is believed. Rules work in event time, and a
 * match far in the future (a producer's clock set wrong) would otherwise stay "within the window"
 * for ever: its alert would never resolve, and never fire again for that group.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** The event time a rule sees: the event's `time`, but no later than its arrival plus the skew. */
const matchTime = (event: { time: string; receivedAt: string }) =>
  Math.min(Date.parse(event.time), Date.parse(event.receivedAt) + MAX_CLOCK_SKEW_MS);

/**
 * Decodes a batch into its events (`streamEvents`: a KPL-aggregated record holds many) and
 * evaluates every rule's predicate on every valid event, pre-aggregated per
 * (rule, group) so the batch costs one read and at most one write per touched alert item. Pure: no
 * I/O, same input same plan.
 *
 * @example
 * const plan = planAlerts(event.Records, rules);
 * plan.groups.map((group) => group.alertKey); // ['error-burst#source=checkout']
 */
export function planAlerts(records: readonly KinesisStreamRecord[], rules: readonly AlertRule[]): AlertPlan {
  const groups = new Map<string, GroupMatches>();
  const invalid = new Map<string, InvalidRecordError>();
  let matched = 0;
  for (const item of records.flatMap(streamEvents)) {
    const { sequenceNumber, subSequenceNumber } = item.position;
    if (!item.ok) {
      const where = subSequenceNumber === undefined ? '' : `user record ${subSequenceNumber}: `;
      if (!invalid.has(sequenceNumber))
        invalid.set(sequenceNumber, new InvalidRecordError(`${where}${item.reason}`, sequenceNumber));
      continue;
    }
    const { event } = item;
    const match = { id: event.id, t: matchTime(event) };
    for (const rule of rules) {
      const group = groupOf(event, rule);
      if (group === undefined || !matchesPredicate(event, rule.match)) continue;
      matched += 1;
      const key = alertKey(rule.id, rule.groupBy, group);
      const entry = groups.get(key) ?? { alertKey: key, rule, group, matches: [], sequenceNumbers: [] };
      entry.matches.push(match);
      if (entry.sequenceNumbers.at(-1) !== sequenceNumber) entry.sequenceNumbers.push(sequenceNumber);
      groups.set(key, entry);
    }
  }
  return { groups: [...groups.values()], invalid, matched };
}
