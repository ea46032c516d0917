/** What the dashboard reads of GET /aggregates and GET /alerts. */
export interface AggregateRow {
  type: string;
  window: string;
  count: number;
}

export interface AlertRow {
  alertKey: string;
  ruleId: string;
  severity: string;
  groupBy: string;
  group: string;
  state: string;
  changedAt: string;
  firedCount: number;
  matchedCount?: number;
}

/** Events per minute per type over a run of one-minute windows, and the totals over them. */
export interface EventsSeries {
  /** Window starts, oldest first, ISO 8601 UTC as the API writes them. */
  windows: string[];
  /** One per type, alphabetical; `counts[i]` belongs to `windows[i]`. */
  datasets: Array<{ type: string; counts: number[] }>;
  /** Per type, most events first. */
  totals: Array<{ type: string; count: number }>;
  total: number;
}

const MINUTE_MS = 60_000;

/**
 * The starts of the last `minutes` one-minute windows, oldest first, the current one last.
 *
 * @example
 * lastWindows(Date.parse('2026-11-25T21:04:37Z'), 2); // ['2026-11-25T21:03:00.000Z', '2026-11-25T21:04:00.000Z']
 */
export function lastWindows(now: number, minutes: number): string[] {
  const current = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  return Array.from({ length: minutes }, (_, i) => new Date(current - (minutes - 1 - i) * MINUTE_MS).toISOString());
}

/**
 * Spreads aggregate rows over the windows, one dataset per type; rows outside them are left out.
 *
 * @example
 * eventsSeries([{ type: 'error', window: w[1], count: 3 }], w); // datasets [{ type: 'error', counts: [0, 3] }], total 3
 */
export function eventsSeries(rows: readonly AggregateRow[], windows: readonly string[]): EventsSeries {
  const slot = new Map(windows.map((window, i) => [window, i]));
  const counts = new Map<string, number[]>();
  for (const row of rows) {
    const i = slot.get(row.window);
    if (i === undefined) continue;
    let series = counts.get(row.type);
    if (!series) {
      series = new Array<number>(windows.length).fill(0);
      counts.set(row.type, series);
    }
    series[i] = (series[i] ?? 0) + row.count;
  }
  const datasets = [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([type, values]) => ({ type, counts: values }));
  const totals = datasets
    .map(({ type, counts: values }) => ({ type, count: values.reduce((sum, n) => sum + n, 0) }))
    .sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1));
  return { windows: [...windows], datasets, totals, total: totals.reduce((sum, t) => sum + t.count, 0) };
}
