import type { StreamEventRecord } from '../../shared/events/eventSchema.ts';
import type { AlertRule, RulePredicate, StringCondition, ValueCondition } from './rules/ruleSchema.ts';

/**
 * Whether a record satisfies a rule's predicate: every condition given holds (AND). A condition on
 * an attribute the record lacks (no `subject`, no `value`) does not hold.
 *
 * @example
 * matchesPredicate(record, { type: 'error', source: { prefix: 'checkout-' } });
 */
export function matchesPredicate(record: StreamEventRecord, predicate: RulePredicate): boolean {
  return (
    matchesString(record.type, predicate.type) &&
    matchesString(record.source, predicate.source) &&
    matchesString(record.subject, predicate.subject) &&
    matchesValue(record.value, predicate.value)
  );
}

/**
 * The group a matching record counts in for this rule: its `source` or its `subject` (`groupBy`).
 * Undefined when the record has no such attribute (a `subject` rule and an event without subject):
 * such a record counts nowhere.
 *
 * @example
 * groupOf(record, rule); // 'checkout'
 */
export function groupOf(record: StreamEventRecord, rule: AlertRule): string | undefined {
  return rule.groupBy === 'source' ? record.source : record.subject;
}

function matchesString(actual: string | undefined, condition: StringCondition | undefined): boolean {
  if (condition === undefined) return true;
  if (actual === undefined) return false;
  if (typeof condition === 'string') return actual === condition;
  if ('in' in condition) return condition.in.includes(actual);
  return actual.startsWith(condition.prefix);
}

function matchesValue(actual: number | undefined, condition: ValueCondition | undefined): boolean {
  if (condition === undefined) return true;
  if (actual === undefined) return false;
  const { gt, gte, lt, lte, eq } = condition;
  return (
    (gt === undefined || actual > gt) &&
    (gte === undefined || actual >= gte) &&
    (lt === undefined || actual < lt) &&
    (lte === undefined || actual <= lte) &&
    (eq === undefined || actual === eq)
  );
}
