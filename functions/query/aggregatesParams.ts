import { z } from 'zod';
import type { AggregateScope } from '../../shared/aggregates/aggregateItem.ts';
import { BadRequestError } from '../../shared/errors.ts';
import { decodeCursor } from './cursor.ts';
import { instantParam, limitParam, nameParam, parseParams, type QueryParams } from './parseParams.ts';

const HOUR_MS = 3_600_000;
/** The widest range one request may ask for: 7 days of one-minute windows is 169 hour partitions. */
export const MAX_AGGREGATES_RANGE_MS = 7 * 24 * HOUR_MS;
export const MAX_AGGREGATES_LIMIT = 1_000;
export const DEFAULT_AGGREGATES_LIMIT = 500;

/** Where the next page of GET /aggregates starts: after this window (and, across types, this type). */
export const aggregatesCursorSchema = z.discriminatedUnion('by', [
  /** One type (or type and source): windows are unique. */
  z.strictObject({ by: z.literal('key'), window: z.iso.datetime({ precision: 3 }) }),
  /** Every type, through the byHour index: (window, type) is unique. */
  z.strictObject({ by: z.literal('all'), window: z.iso.datetime({ precision: 3 }), type: z.string().min(1) }),
]);
export type AggregatesCursor = z.infer<typeof aggregatesCursorSchema>;

const aggregatesParamsSchema = z.strictObject({
  type: nameParam('type', 128).optional(),
  source: nameParam('source', 256).optional(),
  from: instantParam('from').optional(),
  to: instantParam('to').optional(),
  limit: limitParam(MAX_AGGREGATES_LIMIT, DEFAULT_AGGREGATES_LIMIT),
  cursor: z.string().optional(),
});

export interface AggregatesQuery {
  /** Absent: every type. */
  scope?: AggregateScope;
  /** Window starts from `from` to `to`, both included, ISO 8601 UTC with milliseconds. */
  from: string;
  to: string;
  limit: number;
  after?: AggregatesCursor;
}

/**
 * Validates GET /aggregates parameters. `to` defaults to now and `from` to an hour before `to`;
 * `source` needs `type`; the range must be non-empty and at most 7 days.
 *
 * @example
 * parseAggregatesParams({ type: 'page_view', limit: '60' }, Date.now());
 */
export function parseAggregatesParams(params: QueryParams, now: number): AggregatesQuery {
  const { type, source, from: fromMs, to: toMs = now, limit, cursor } = parseParams(aggregatesParamsSchema, params);
  if (source !== undefined && type === undefined) {
    throw new BadRequestError('source: only together with type (aggregates per source are kept per type)');
  }
  const from = fromMs ?? toMs - HOUR_MS;
  if (from >= toMs) throw new BadRequestError('from must be before to');
  if (toMs - from > MAX_AGGREGATES_RANGE_MS) throw new BadRequestError('from..to spans more than 7 days');

  const by = type === undefined ? 'all' : 'key';
  const after = cursor === undefined ? undefined : decodeCursor(cursor, aggregatesCursorSchema);
  if (after && after.by !== by) {
    throw new BadRequestError(
      `cursor: belongs to a query ${by === 'all' ? 'with' : 'without'} type; drop it to start over`,
    );
  }
  return {
    ...(type !== undefined && { scope: source === undefined ? { type } : { type, source } }),
    from: new Date(from).toISOString(),
    to: new Date(toMs).toISOString(),
    limit,
    ...(after && { after }),
  };
}
