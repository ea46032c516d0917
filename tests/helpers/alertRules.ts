import { type AlertRule, parseRules } from '../../functions/alert/rules/ruleSchema.ts';

/** The shipped `error-burst` rule, as written in a rules file. */
export const errorBurstRule = {
  id: 'error-burst',
  description: 'At least 5 errors from one source within 60 s.',
  kind: 'rate',
  severity: 'critical',
  groupBy: 'source',
  match: { type: 'error' },
  threshold: 5,
  windowSeconds: 60,
};

/** A rules file (version 1) holding these rules, as written. */
export const rulesDocument = (...rules: unknown[]) => ({ version: 1, rules });

/**
 * These rules, validated as the handler loads them.
 *
 * @example
 * const [errorBurst, bySubject] = rulesOf(errorBurstRule, { ...errorBurstRule, id: 'by-subject', groupBy: 'subject' });
 */
export const rulesOf = (...rules: unknown[]): AlertRule[] => parseRules(rulesDocument(...rules));
