import { describe, expect, it } from 'vitest';
import { applyMatches, resolveIfCleared } from '../../functions/alert/evaluateAlert.ts';
import type { AlertRule } from '../../functions/alert/rules/ruleSchema.ts';
import { type AlertItem, alertKey, type RecentMatch } from '../../shared/alerts/alertItem.ts';
import { errorBurstRule, rulesOf } from '../helpers/alertRules.ts';

const [errorBurst, largeValue] = rulesOf(errorBurstRule, {
  id: 'large-value',
  description: 'large values',
  kind: 'event',
  severity: 'warning',
  groupBy: 'source',
  match: { value: { gt: 1e6 } },
  windowSeconds: 300,
  cooldownSeconds: 900,
}) as [AlertRule, AlertRule];

const T0 = Date.parse('2026-11-25T10:00:00Z');
const sec = (s: number) => T0 + s * 1000;
const match = (s: number, id = `e@${s}`): RecentMatch => ({ id, t: sec(s) });
const context = (nowSeconds: number) => ({ now: sec(nowSeconds), defaultCooldownSeconds: 300 });

/** Folds batches (lists of event seconds) in turn, each evaluated at its processing second. */
function run(rule: AlertRule, batches: Array<{ at: number; events: Array<number | RecentMatch> }>) {
  let item: AlertItem | undefined;
  const transitions: Array<string | undefined> = [];
  for (const batch of batches) {
    const matches = batch.events.map((event) => (typeof event === 'number' ? match(event) : event));
    const evaluation = applyMatches(
      item,
      { alertKey: alertKey(rule.id, rule.groupBy, 'shop'), rule, group: 'shop', matches },
      context(batch.at),
    );
    transitions.push(evaluation.transition);
    item = evaluation.item;
  }
  return { item: item as AlertItem, transitions };
}

describe('applyMatches', () => {
  it('fires once when the Nth match within the window arrives, with the pending notification', () => {
    const { item, transitions } = run(errorBurst, [
      { at: 10, events: [0, 5, 10] },
      { at: 21, events: [15, 20, 21] },
    ]);
    expect(transitions).toEqual([undefined, 'fired']);
    expect(item).toMatchObject({
      alertKey: 'error-burst#source=shop',
      state: 'firing',
      firedAt: new Date(sec(21)).toISOString(),
      changedAt: new Date(sec(21)).toISOString(),
      firedCount: 1,
      matchedCount: 6,
      notification: 'pending',
      version: 2,
    });
  });

  it('does not fire for 4 matches in a window, nor for 5 spread over 10 minutes', () => {
    expect(run(errorBurst, [{ at: 40, events: [0, 10, 20, 30] }]).transitions).toEqual([undefined]);
    const spread = [0, 150, 300, 450, 600].map((s) => ({ at: s, events: [s] }));
    expect(run(errorBurst, spread).transitions.every((transition) => transition === undefined)).toBe(true);
  });

  it('fires on a burst completed by an event arriving out of order', () => {
    const { transitions } = run(errorBurst, [
      { at: 50, events: [0, 10, 40, 50] },
      { at: 55, events: [20] },
    ]);
    expect(transitions).toEqual([undefined, 'fired']);
  });

  it('changes nothing when the same matches are delivered again', () => {
    const first = run(errorBurst, [{ at: 30, events: [0, 1, 2, 3, 4, 5] }]);
    const again = applyMatches(
      first.item,
      {
        alertKey: first.item.alertKey,
        rule: errorBurst,
        group: 'shop',
        matches: [0, 1, 2, 3, 4, 5].map((s) => match(s)),
      },
      context(31),
    );
    expect(again).toEqual({ item: first.item, changed: false });
  });

  it('does not fire again while firing, and late events of an alerted burst never fire it again', () => {
    const { item, transitions } = run(errorBurst, [
      { at: 10, events: [0, 1, 2, 3, 4] },
      { at: 20, events: [5, 6, 7] },
      // Resolved 70 s after firing (no match after now − 60 s) ...
      { at: 80, events: [] },
      // ... then, after the cooldown, late events from inside the alerted burst arrive.
      { at: 400, events: [match(2.5, 'late-1'), match(3.5, 'late-2')] },
    ]);
    expect(transitions).toEqual(['fired', undefined, 'resolved', undefined]);
    expect(item.firedCount).toBe(1);
  });

  it('holds back a new burst within the cooldown and fires it once the cooldown has passed', () => {
    const burst = (from: number) => [0, 1, 2, 3, 4].map((s) => from + s);
    const { transitions, item } = run(errorBurst, [
      { at: 5, events: burst(0) },
      { at: 70, events: [] },
      { at: 200, events: burst(195) },
      // Cooldown (300 s from firedAt 5 s) passed; the burst goes on.
      { at: 306, events: [300, 301, 302, 303, 304] },
    ]);
    expect(transitions).toEqual(['fired', 'resolved', undefined, 'fired']);
    expect(item.firedCount).toBe(2);
    expect(item.resolvedAt).toBeUndefined();
  });

  it('does not fire a burst held back by the cooldown later, for an unrelated match', () => {
    const { transitions } = run(errorBurst, [
      { at: 5, events: [0, 1, 2, 3, 4] },
      { at: 70, events: [] },
      { at: 200, events: [195, 196, 197, 198, 199] },
      { at: 320, events: [320] },
    ]);
    expect(transitions).toEqual(['fired', 'resolved', undefined, undefined]);
  });

  it('writes nothing when matches it has already trimmed away are delivered again', () => {
    const old = [0, 1, 2];
    const { item } = run(errorBurst, [
      { at: 2, events: old },
      { at: 400, events: [400] },
    ]);
    expect(item.recent.map((m) => m.id)).toEqual(['e@400']);
    const again = applyMatches(
      item,
      { alertKey: item.alertKey, rule: errorBurst, group: 'shop', matches: old.map((s) => match(s)) },
      context(401),
    );
    expect(again).toEqual({ item, changed: false });
  });

  it('starts no new episode for matches from before a resolution that arrive after it (late shard, retry)', () => {
    const { transitions, item } = run(errorBurst, [
      { at: 4, events: [0, 1, 2, 3, 4] },
      { at: 70, events: [] },
      // Past the cooldown, five more matches arrive, all with event times before the resolution.
      { at: 400, events: [50, 51, 52, 53, 54] },
    ]);
    expect(transitions).toEqual(['fired', 'resolved', undefined]);
    expect(item).toMatchObject({ state: 'resolved', firedCount: 1 });
  });

  it('uses the rule cooldown over the default one', () => {
    const { transitions } = run(largeValue, [
      { at: 0, events: [0] },
      { at: 400, events: [] },
      { at: 600, events: [600] },
      { at: 901, events: [901] },
    ]);
    expect(transitions).toEqual(['fired', 'resolved', undefined, 'fired']);
  });
});

describe('resolveIfCleared', () => {
  const fired = run(errorBurst, [{ at: 20, events: [0, 5, 10, 15, 20] }]).item;

  it('keeps firing while the burst goes on, and resolves once fewer than N matches are after now − window', () => {
    const { item } = run(errorBurst, [
      { at: 4, events: [0, 1, 2, 3, 4] },
      { at: 60, events: [30, 35, 40, 45, 50, 55, 60] },
    ]);
    expect(resolveIfCleared(item, errorBurst, context(99.999)).changed).toBe(false);
    expect(resolveIfCleared(item, errorBurst, context(100)).transition).toBe('resolved');
  });

  it('keeps firing for at least one window after firing, even when the matches are old (late data)', () => {
    const late = run(errorBurst, [{ at: 1000, events: [0, 1, 2, 3, 4] }]).item;
    expect(late.state).toBe('firing');
    expect(resolveIfCleared(late, errorBurst, context(1059)).changed).toBe(false);
    expect(resolveIfCleared(late, errorBurst, context(1080)).transition).toBe('resolved');
  });

  it('resolves once fewer than N matches are after now − window, with a pending notification', () => {
    const { item, transition } = resolveIfCleared(fired, errorBurst, context(80.001));
    expect(transition).toBe('resolved');
    expect(item).toMatchObject({
      state: 'resolved',
      resolvedAt: new Date(sec(80.001)).toISOString(),
      changedAt: new Date(sec(80.001)).toISOString(),
      firedAt: fired.firedAt,
      notification: 'pending',
      version: fired.version + 1,
    });
  });

  it('counts matches with event times ahead of the clock as still in the window', () => {
    const ahead = run(errorBurst, [{ at: 0, events: [100, 101, 102, 103, 104] }]).item;
    expect(resolveIfCleared(ahead, errorBurst, context(90)).changed).toBe(false);
  });

  it('resolves at once when the rule no longer exists, and leaves resolved alerts alone', () => {
    const resolved = resolveIfCleared(fired, undefined, context(21));
    expect(resolved.transition).toBe('resolved');
    expect(resolveIfCleared(resolved.item, errorBurst, context(500)).changed).toBe(false);
  });
});
