import { z } from 'zod';
import { ALERT_STATES, type AlertState } from '../../shared/alerts/alertItem.ts';
import { BadRequestError } from '../../shared/errors.ts';
import { decodeCursor } from './cursor.ts';
import { instantParam, limitParam, parseParams, type QueryParams } from './parseParams.ts';

const DAY_MS = 86_400_000;
/** How far back `since` may reach. */
export const MAX_ALERTS_AGE_MS = 30 * DAY_MS;
export const MAX_ALERTS_LIMIT = 1_000;
export const DEFAULT_ALERTS_LIMIT = 100;

/** Where the next page of GET /alerts starts: after this alert in (changedAt desc, alertKey) order. */
export const alertsCursorSchema = z.strictObject({
  changedAt: z.iso.datetime({ offset: true }),
  alertKey: z.string().min(1),
});
export type AlertsCursor = z.infer<typeof alertsCursorSchema>;

const alertsParamsSchema = z.strictObject({
  state: z.enum(ALERT_STATES, { error: `state: expected ${ALERT_STATES.join(' or ')}` }).optional(),
  since: instantParam('since').optional(),
  limit: limitParam(MAX_ALERTS_LIMIT, DEFAULT_ALERTS_LIMIT),
  cursor: z.string().optional(),
});

export interface AlertsQuery {
  states: readonly AlertState[];
  /** Alerts whose state changed at or after this instant, ISO 8601 UTC. */
  since: string;
  limit: number;
  after?: AlertsCursor;
}

/**
 * Validates GET /alerts parameters. No `state` means both; `since` defaults to 24 hours ago and
 * may reach back at most 30 days.
 *
 * @example
 * parseAlertsParams({ state: 'firing' }, Date.now());
 */
export function parseAlertsParams(params: QueryParams, now: number): AlertsQuery {
  const { state, since = now - DAY_MS, limit, cursor } = parseParams(alertsParamsSchema, params);
  if (since < now - MAX_ALERTS_AGE_MS) throw new BadRequestError('since: at most 30 days ago');
  return {
    states: state === undefined ? ALERT_STATES : [state],
    since: new Date(since).toISOString(),
    limit,
    ...(cursor !== undefined && { after: decodeCursor(cursor, alertsCursorSchema) }),
  };
}
