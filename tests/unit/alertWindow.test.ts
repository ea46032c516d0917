import { describe, expect, it } from 'vitest';
import { findBurst, MAX_RECENT, matchesAfter, mergeMatches, trimRecent } from '../../functions/alert/alertWindow.ts';
import type { RecentMatch } from '../../shared/alerts/alertItem.ts';

const S = 60_000;
const spec = { threshold: 5, windowMs: S };
const at = (seconds: number, id = `e@${seconds}`): RecentMatch => ({ id, t: seconds * 1000 });
const ids = (matches: readonly RecentMatch[]) => matches.map((match) => match.id);

describe('mergeMatches', () => {
  it('counts an event delivered again once, and reports only the new ones as added', () => {
    const stored = [at(1, 'a'), at(5, 'b')];
    const { merged, added } = mergeMatches(stored, [at(5, 'b'), at(3, 'c'), at(3, 'c'), at(1, 'a')]);
    expect(ids(merged)).toEqual(['a', 'c', 'b']);
    expect(ids(added)).toEqual(['c']);
  });

  it('orders by event time, then id, whatever the arrival order', () => {
    const { merged } = mergeMatches([at(9, 'z')], [at(2, 'y'), at(2, 'x'), at(7, 'w')]);
    expect(ids(merged)).toEqual(['x', 'y', 'w', 'z']);
  });
});

describe('findBurst', () => {
  const burst = [0, 10, 20, 30, 40].map((s) => at(s));

  it('finds N matches within one window, holding a candidate', () => {
    expect(findBurst(burst, new Set(['e@40']), spec)).toBe(5);
  });

  it('treats the window as half-open: N matches exactly one window apart are not within it', () => {
    const spread = [0, 15, 30, 45, 60].map((s) => at(s));
    expect(findBurst(spread, new Set(['e@60']), spec)).toBeUndefined();
    expect(findBurst([...spread.slice(0, 4), at(59.999)], new Set(['e@59.999']), spec)).toBe(5);
  });

  it('needs the window to hold a candidate: an old burst does not fire for an unrelated new match', () => {
    expect(findBurst([...burst, at(200, 'late')], new Set(['late']), spec)).toBeUndefined();
  });

  it('finds a burst completed by an event arriving out of order, in the middle of the window', () => {
    const { merged } = mergeMatches(
      [0, 10, 30, 40].map((s) => at(s)),
      [at(20, 'late')],
    );
    expect(findBurst(merged, new Set(['late']), spec)).toBe(5);
  });

  it('does not fire for 5 matches spread over 10 minutes', () => {
    const spread = [0, 150, 300, 450, 600].map((s) => at(s));
    expect(findBurst(spread, new Set(ids(spread)), spec)).toBeUndefined();
  });

  it('reports the largest count among the windows that qualify', () => {
    const dense = [0, 1, 2, 3, 4, 5, 6].map((s) => at(s));
    expect(findBurst(dense, new Set(['e@6']), spec)).toBe(7);
  });

  it('fires an event rule (N = 1) on any candidate', () => {
    expect(findBurst([at(1, 'x')], new Set(['x']), { threshold: 1, windowMs: S })).toBe(1);
  });
});

describe('matchesAfter', () => {
  it('counts matches strictly after the instant, later ones (clock skew) included', () => {
    expect(matchesAfter([at(10), at(20), at(500)], 10_000)).toBe(2);
  });
});

describe('trimRecent', () => {
  it('keeps matches less than two windows behind the newest (or behind now, if earlier)', () => {
    const matches = [0, 50, 100, 130].map((s) => at(s));
    expect(ids(trimRecent(matches, spec, 130_000))).toEqual(['e@50', 'e@100', 'e@130']);
    // A producer clock ahead of ours: the resolution check still needs what is after now − window.
    expect(ids(trimRecent(matches, spec, 100_000))).toEqual(['e@0', 'e@50', 'e@100', 'e@130']);
  });

  it('thins a dense burst but always keeps the N newest', () => {
    const dense = Array.from({ length: 500 }, (_, i) => at(i / 10, `d${i}`));
    const kept = trimRecent(dense, spec, 50_000);
    expect(kept.length).toBeLessThan(40);
    expect(ids(kept.slice(-5))).toEqual(ids(dense.slice(-5)));
  });

  it('never keeps more than MAX_RECENT matches', () => {
    const many = Array.from({ length: MAX_RECENT + 50 }, (_, i) => at(i * 100, `m${i}`));
    const kept = trimRecent(many, { threshold: 1000, windowMs: 10_000_000 }, 10_000_000);
    expect(kept).toHaveLength(MAX_RECENT);
    expect(kept.at(-1)?.id).toBe(`m${MAX_RECENT + 49}`);
  });

  it('gives the same decision as the full history for every event arriving at most one window late', () => {
    // Seeded generator: the same cases on every run.
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 300; round += 1) {
      const threshold = 1 + Math.floor(random() * 6);
      const windowMs = 10_000 + Math.floor(random() * 50_000);
      const roundSpec = { threshold, windowMs };
      const full: RecentMatch[] = [];
      let kept: RecentMatch[] = [];
      for (let i = 0; i < 80; i += 1) {
        const newest = full.reduce((max, match) => Math.max(max, match.t), 0);
        // Mostly in order, sometimes up to (just under) one window late, in bursts and gaps.
        const t =
          random() < 0.3
            ? newest - Math.floor(random() * (windowMs - 1))
            : newest + Math.floor(random() ** 3 * windowMs);
        const event = { id: `r${round}-${i}`, t };
        const expected = findBurst(mergeMatches(full, [event]).merged, new Set([event.id]), roundSpec) !== undefined;
        const merged = mergeMatches(kept, [event]).merged;
        const actual = findBurst(merged, new Set([event.id]), roundSpec) !== undefined;
        expect({ round, i, actual }).toEqual({ round, i, actual: expected });
        full.push(event);
        kept = trimRecent(merged, roundSpec, Math.max(newest, t));
      }
    }
  });
});
