import type { RecentMatch } from '../../shared/alerts/alertItem.ts';

/**
 * The sliding window of a rule, on event time. A window is any half-open span of `windowMs`
 * milliseconds: N matches fall within one window exactly when newest − oldest < windowMs.
 * Every function here is pure and works on matches sorted by (time, id).
 */
export interface WindowSpec {
  /** N: matches needed within one window (1 for event rules). */
  threshold: number;
  windowMs: number;
}

/** Hard cap on the matches kept in one item (DynamoDB items stop at 400 KB; ids are up to 128 chars). */
export const MAX_RECENT = 2000;

const byTime = (a: RecentMatch, b: RecentMatch) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Merges incoming matches into the stored ones by event id, so an event delivered again counts
 * once. Returns the union sorted by (time, id) and the matches that were not stored yet.
 *
 * @example
 * mergeMatches([{ id: 'a', t: 1 }], [{ id: 'a', t: 1 }, { id: 'b', t: 2 }]);
 * // { merged: [{ id: 'a', t: 1 }, { id: 'b', t: 2 }], added: [{ id: 'b', t: 2 }] }
 */
export function mergeMatches(
  stored: readonly RecentMatch[],
  incoming: readonly RecentMatch[],
): { merged: RecentMatch[]; added: RecentMatch[] } {
  const known = new Set(stored.map((match) => match.id));
  const added: RecentMatch[] = [];
  for (const match of incoming) {
    if (known.has(match.id)) continue;
    known.add(match.id);
    added.push(match);
  }
  return { merged: [...stored, ...added].sort(byTime), added };
}

/**
 * The largest number of matches within one window that holds at least `threshold` matches and at
 * least one of the `candidates` (ids); undefined when there is no such window. Windows starting at a
 * match are enough: any window can slide right to its first match and keep what it holds.
 *
 * @example
 * const times = [0, 10_000, 20_000, 30_000, 40_000].map((t, i) => ({ id: `e${i}`, t }));
 * findBurst(times, new Set(['e4']), { threshold: 5, windowMs: 60_000 }); // 5
 */
export function findBurst(
  sorted: readonly RecentMatch[],
  candidates: ReadonlySet<string>,
  spec: WindowSpec,
): number | undefined {
  // candidatesBefore[i]: how many candidates sit at indexes < i.
  const candidatesBefore = [0];
  for (const match of sorted)
    candidatesBefore.push((candidatesBefore.at(-1) ?? 0) + (candidates.has(match.id) ? 1 : 0));
  let best: number | undefined;
  let end = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    const startTime = (sorted[start] as RecentMatch).t;
    end = Math.max(end, start);
    while (end < sorted.length && (sorted[end] as RecentMatch).t - startTime < spec.windowMs) end += 1;
    const count = end - start;
    const holdsCandidate = (candidatesBefore[end] ?? 0) - (candidatesBefore[start] ?? 0) > 0;
    if (count >= spec.threshold && holdsCandidate && (best === undefined || count > best)) best = count;
  }
  return best;
}

/**
 * How many matches have an event time after `sinceMs` (later ones included: a producer clock ahead
 * of ours must not make an alert resolve early).
 *
 * @example
 * matchesAfter([{ id: 'a', t: 5 }, { id: 'b', t: 9 }], 5); // 1
 */
export function matchesAfter(sorted: readonly RecentMatch[], sinceMs: number): number {
  return sorted.filter((match) => match.t > sinceMs).length;
}

/**
 * What an item keeps of its matches: only what can still change a decision.
 *
 * 1. Time: matches after min(newest, now) − 2 × window. A late event at most one window behind
 *    the newest match can only share a window with matches less than two windows behind it; the
 *    resolution check (`matchesAfter(now − window)`) needs nothing older than now − window.
 * 2. Density: a match whose N-th neighbours on both sides are less than a window apart is dropped.
 *    Every window holding it still holds N others (the window is longer than that span, so it
 *    covers one side), so "at least N in a window" keeps the same answer for any window, with any
 *    later arrivals; the N newest matches are never dropped this way.
 * 3. Size: at most MAX_RECENT, newest kept (only reached by rules with a threshold in the hundreds
 *    under sustained traffic; it weakens the guarantee for late events alone).
 *
 * @example
 * trimRecent(sorted, { threshold: 5, windowMs: 60_000 }, Date.now());
 */
export function trimRecent(sorted: readonly RecentMatch[], spec: WindowSpec, nowMs: number): RecentMatch[] {
  const newest = sorted.at(-1);
  if (newest === undefined) return [];
  const cut = Math.min(newest.t, nowMs) - 2 * spec.windowMs;
  const inTime = sorted.filter((match) => match.t > cut);
  const n = spec.threshold;
  const kept: RecentMatch[] = [];
  inTime.forEach((match, index) => {
    // The current set is kept (decided) + inTime[index..] (not thinned yet): its N-th neighbours are these.
    const left = kept[kept.length - n];
    const right = inTime[index + n];
    if (left !== undefined && right !== undefined && right.t - left.t < spec.windowMs) return;
    kept.push(match);
  });
  return kept.slice(-MAX_RECENT);
}
