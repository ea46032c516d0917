/** p50/p95/p99 (nearest rank) of a sample, with its size and extremes, in the sample's unit. */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

/**
 * Nearest-rank percentiles of `values` (not modified). Throws on an empty sample: a benchmark that
 * measured nothing must not print zeros.
 *
 * @example
 * percentiles([120, 80, 100]); // { count: 3, p50: 100, p95: 120, p99: 120, min: 80, max: 120 }
 */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) throw new Error('percentiles of an empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  return {
    count: sorted.length,
    p50: rank(50),
    p95: rank(95),
    p99: rank(99),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

/**
 * Least-squares line `y = fixed + perUnit * x`, both terms clamped at 0 (a duration has no negative
 * part); with no spread in x, all of y is put on `perUnit`.
 *
 * @example
 * fitLine([[100, 30], [500, 70]]); // { fixed: 20, perUnit: 0.1 }
 */
export function fitLine(points: ReadonlyArray<readonly [number, number]>): { fixed: number; perUnit: number } {
  if (points.length === 0) throw new Error('fitLine of no points');
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxx = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  if (sxx === 0 || meanX === 0) return { fixed: meanX === 0 ? meanY : 0, perUnit: meanX === 0 ? 0 : meanY / meanX };
  const sxy = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  if (slope < 0) return { fixed: meanY, perUnit: 0 };
  if (intercept < 0) return { fixed: 0, perUnit: meanY / meanX };
  return { fixed: intercept, perUnit: slope };
}
