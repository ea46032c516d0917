import type { AlertItem, RecentMatch } from '../../shared/alerts/alertItem.ts';
import { findBurst, matchesAfter, mergeMatches, trimRecent, type WindowSpec } from './alertWindow.ts';
import { type AlertRule, thresholdOf } from './rules/ruleSchema.ts';

/** What an evaluation needs besides the item: the processing clock and the default cooldown. */
export interface EvaluationContext {
  /** Processing time, epoch ms (injected: tests drive it). */
  now: number;
  /** ALERT_COOLDOWN_SECONDS: applies to rules without `cooldownSeconds`. */
  defaultCooldownSeconds: number;
}

export type Transition = 'fired' | 'resolved';

/** The item to write, if anything changed, and the state change it carries. */
export interface Evaluation {
  item: AlertItem;
  changed: boolean;
  transition?: Transition;
}

export const windowOf = (rule: AlertRule): WindowSpec => ({
  threshold: thresholdOf(rule),
  windowMs: rule.windowSeconds * 1000,
});

/**
 * Folds one batch's matches for one (rule, group) into its stored item (or a new one).
 *
 * Fires when all of these hold: a match new to the item (not merged before, by event id) with an
 * event time after `coveredThrough` lies in a window of `windowSeconds` holding at least N matches;
 * the alert is not firing; the cooldown since the last `firedAt` has passed. Firing sets
 * `notification: 'pending'`: the caller publishes after the conditional write.
 * While firing, every match is covered by the alert (`coveredThrough` follows the newest match), so
 * the same burst, redelivered or late, never fires again. A firing alert may also resolve here
 * (see `resolveIfCleared`).
 *
 * @example
 * const { item, transition } = applyMatches(stored, { rule, group: 'checkout', matches }, { now, defaultCooldownSeconds: 300 });
 */
export function applyMatches(
  stored: AlertItem | undefined,
  batch: { alertKey: string; rule: AlertRule; group: string; matches: readonly RecentMatch[] },
  context: EvaluationContext,
): Evaluation {
  const { rule, group } = batch;
  const base = stored ?? newItem(batch.alertKey, rule, group, context.now);
  const spec = windowOf(rule);
  const { merged, added } = mergeMatches(base.recent, batch.matches);
  const newest = merged.at(-1)?.t;
  let item: AlertItem = { ...base, severity: rule.severity, recent: trimRecent(merged, spec, context.now) };
  let transition: Transition | undefined;
  if (base.state === 'firing') {
    if (newest !== undefined) item.coveredThrough = Math.max(base.coveredThrough ?? newest, newest);
    const resolved = resolveIfCleared(item, rule, context);
    if (resolved.transition) return resolved;
  } else if (cooldownPassed(base, rule, context)) {
    const covered = base.coveredThrough ?? Number.NEGATIVE_INFINITY;
    const candidates = new Set(added.filter((match) => match.t > covered).map((match) => match.id));
    const matchedCount = candidates.size > 0 ? findBurst(merged, candidates, spec) : undefined;
    if (matchedCount !== undefined) {
      item = fire(item, matchedCount, newest ?? context.now, context.now);
      transition = 'fired';
    }
  }
  // Matches trimmed from the item before and delivered again are "added" by the merge and trimmed
  // again: only a real difference is written, so a redelivered batch writes nothing.
  if (transition === undefined && !differs(item, base)) return { item: base, changed: false };
  return { item: stamp(item, context.now), changed: true, ...(transition ? { transition } : {}) };
}

/** Whether evaluating changed anything stored (state changes are transitions, checked apart). */
function differs(item: AlertItem, base: AlertItem): boolean {
  return (
    item.severity !== base.severity ||
    item.coveredThrough !== base.coveredThrough ||
    item.recent.length !== base.recent.length ||
    item.recent.some((match, i) => match.id !== base.recent[i]?.id || match.t !== base.recent[i]?.t)
  );
}

/**
 * Resolves a firing alert whose condition has cleared at processing time `now`: fewer than N of
 * its matches have an event time after now − windowSeconds, and it has been firing for at least
 * windowSeconds (so an alert raised by late events does not resolve in the same breath). An alert
 * whose rule was removed from the rules file resolves at once. Resolution sets
 * `notification: 'pending'`, like firing, and moves `coveredThrough` up to the resolution time: a
 * match with an earlier event time can no longer start a new episode.
 *
 * @example
 * const { transition } = resolveIfCleared(item, rule, { now: Date.now(), defaultCooldownSeconds: 300 });
 */
export function resolveIfCleared(item: AlertItem, rule: AlertRule | undefined, context: EvaluationContext): Evaluation {
  if (item.state !== 'firing') return { item, changed: false };
  if (rule !== undefined) {
    const { threshold, windowMs } = windowOf(rule);
    const firedAt = Date.parse(item.firedAt ?? '') || 0;
    const stillFiring =
      context.now - firedAt < windowMs || matchesAfter(item.recent, context.now - windowMs) >= threshold;
    if (stillFiring) return { item, changed: false };
  }
  const at = new Date(context.now).toISOString();
  // Events from before the resolution belong to the episode that just ended: arriving late (from a
  // lagging shard, or a retry of a batch that failed) they must not start a new one.
  const coveredThrough = Math.max(item.coveredThrough ?? context.now, context.now);
  const resolved: AlertItem = {
    ...item,
    state: 'resolved',
    resolvedAt: at,
    changedAt: at,
    notification: 'pending',
    coveredThrough,
  };
  return { item: stamp(resolved, context.now), changed: true, transition: 'resolved' };
}

function cooldownPassed(item: AlertItem, rule: AlertRule, context: EvaluationContext): boolean {
  if (item.firedAt === undefined) return true;
  const cooldownMs = (rule.cooldownSeconds ?? context.defaultCooldownSeconds) * 1000;
  return context.now - Date.parse(item.firedAt) >= cooldownMs;
}

function fire(item: AlertItem, matchedCount: number, newestMatch: number, now: number): AlertItem {
  const at = new Date(now).toISOString();
  const { resolvedAt: _previousResolution, ...rest } = item;
  return {
    ...rest,
    state: 'firing',
    firedAt: at,
    changedAt: at,
    firedCount: item.firedCount + 1,
    matchedCount,
    notification: 'pending',
    coveredThrough: Math.max(item.coveredThrough ?? newestMatch, newestMatch),
  };
}

const stamp = (item: AlertItem, now: number): AlertItem => ({
  ...item,
  version: item.version + 1,
  updatedAt: new Date(now).toISOString(),
});

function newItem(key: string, rule: AlertRule, group: string, now: number): AlertItem {
  return {
    alertKey: key,
    ruleId: rule.id,
    severity: rule.severity,
    groupBy: rule.groupBy,
    group,
    firedCount: 0,
    recent: [],
    version: 0,
    updatedAt: new Date(now).toISOString(),
  };
}
