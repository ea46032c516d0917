import { describe, expect, it } from 'vitest';
import { parseAggregatesParams } from '../../functions/query/aggregatesParams.ts';
import { parseAlertsParams } from '../../functions/query/alertsParams.ts';
import { encodeCursor } from '../../functions/query/cursor.ts';
import { BadRequestError } from '../../shared/errors.ts';

const NOW = Date.parse('2026-11-25T21:04:37.120Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const aggregates = (params: Record<string, string | undefined>) => parseAggregatesParams(params, NOW);
const alerts = (params: Record<string, string | undefined>) => parseAlertsParams(params, NOW);

describe('GET /aggregates parameters', () => {
  it('defaults to every type over the last hour, 500 items', () => {
    expect(aggregates({})).toEqual({
      from: '2026-11-25T20:04:37.120Z',
      to: '2026-11-25T21:04:37.120Z',
      limit: 500,
    });
  });

  it('reads type, source, offsets and limit, normalizing instants to UTC', () => {
    const query = aggregates({
      type: 'error',
      source: 'shop#eu',
      from: '2026-11-25T22:00:00+02:00',
      to: '2026-11-25T21:00:00Z',
      limit: '1000',
    });
    expect(query).toEqual({
      scope: { type: 'error', source: 'shop#eu' },
      from: '2026-11-25T20:00:00.000Z',
      to: '2026-11-25T21:00:00.000Z',
      limit: 1000,
    });
  });

  it('puts `from` an hour before an explicit `to`', () => {
    expect(aggregates({ to: '2026-11-20T10:00:00Z' }).from).toBe('2026-11-20T09:00:00.000Z');
  });

  it.each([
    [{ source: 'shop' }, /source: only together with type/],
    [{ from: 'yesterday' }, /from: expected an ISO 8601 date-time/],
    [{ to: '2026-11-25T21:00:00' }, /to: expected an ISO 8601 date-time with offset/],
    [{ from: '2026-11-25T21:00:00Z', to: '2026-11-25T21:00:00Z' }, /from must be before to/],
    [{ from: '2026-11-25T21:00:00Z', to: '2026-11-25T20:00:00Z' }, /from must be before to/],
    [{ from: '2026-11-18T20:59:59Z', to: '2026-11-25T21:00:00Z' }, /more than 7 days/],
    [{ limit: '0' }, /limit: at least 1/],
    [{ limit: '1001' }, /limit: at most 1000/],
    [{ limit: '10.5' }, /limit: expected a whole number from 1 to 1000/],
    [{ limit: '' }, /limit: expected a whole number/],
    [{ type: '' }, /type: must not be empty/],
    [{ type: 'x'.repeat(129) }, /type: at most 128 characters/],
    [{ typ: 'error' }, /unknown parameter typ/],
    [{ cursor: 'not a cursor!' }, /cursor: not a cursor this API returned/],
  ])('refuses %j', (params, message) => {
    expect(() => aggregates(params)).toThrow(BadRequestError);
    expect(() => aggregates(params)).toThrow(message);
  });

  it('accepts a range of exactly 7 days', () => {
    const query = aggregates({ from: '2026-11-18T21:00:00Z', to: '2026-11-25T21:00:00Z' });
    expect(Date.parse(query.to) - Date.parse(query.from)).toBe(7 * DAY);
  });

  it('takes back the cursor it hands out, for the same kind of query only', () => {
    const all = encodeCursor({ by: 'all', window: '2026-11-25T20:30:00.000Z', type: 'error' });
    const one = encodeCursor({ by: 'key', window: '2026-11-25T20:30:00.000Z' });
    expect(aggregates({ cursor: all }).after).toEqual({ by: 'all', window: '2026-11-25T20:30:00.000Z', type: 'error' });
    expect(aggregates({ type: 'error', cursor: one }).after).toEqual({ by: 'key', window: '2026-11-25T20:30:00.000Z' });
    expect(() => aggregates({ type: 'error', cursor: all })).toThrow(/cursor: belongs to a query without type/);
    expect(() => aggregates({ cursor: one })).toThrow(/cursor: belongs to a query with type/);
  });

  it('refuses cursors that decode but are not positions of this API', () => {
    for (const position of [
      { by: 'all', window: '2026-11-25T20:30:00.000Z' },
      { by: 'key', window: 'yesterday' },
      { by: 'key', window: '2026-11-25T20:30:00.000Z', extra: 1 },
      { changedAt: '2026-11-25T20:30:00.000Z', alertKey: 'a' },
    ]) {
      expect(() => aggregates({ cursor: encodeCursor(position) }), JSON.stringify(position)).toThrow(
        /cursor: not a cursor this API returned/,
      );
    }
    const notJson = Buffer.from('{"by":').toString('base64url');
    expect(() => aggregates({ cursor: notJson })).toThrow(/cursor: not a cursor this API returned \(not JSON\)/);
    expect(() => aggregates({ cursor: 'a'.repeat(3000) })).toThrow(BadRequestError);
  });
});

describe('GET /alerts parameters', () => {
  it('defaults to both states over the last 24 hours, 100 items', () => {
    expect(alerts({})).toEqual({ states: ['firing', 'resolved'], since: '2026-11-24T21:04:37.120Z', limit: 100 });
  });

  it('reads state, since, limit and a cursor', () => {
    const cursor = encodeCursor({ changedAt: '2026-11-25T20:00:00.000Z', alertKey: 'error-burst#source=shop' });
    expect(alerts({ state: 'firing', since: '2026-11-25T00:00:00Z', limit: '5', cursor })).toEqual({
      states: ['firing'],
      since: '2026-11-25T00:00:00.000Z',
      limit: 5,
      after: { changedAt: '2026-11-25T20:00:00.000Z', alertKey: 'error-burst#source=shop' },
    });
  });

  it.each([
    [{ state: 'pending' }, /state: expected firing or resolved/],
    [{ since: new Date(NOW - 30 * DAY - 1).toISOString() }, /since: at most 30 days ago/],
    [{ since: '25/11/2026' }, /since: expected an ISO 8601 date-time/],
    [{ limit: '-1' }, /limit: expected a whole number/],
    [{ state: 'firing', type: 'error' }, /unknown parameter type/],
    [{ cursor: encodeCursor({ by: 'key', window: '2026-11-25T20:30:00.000Z' }) }, /cursor: not a cursor/],
  ])('refuses %j', (params, message) => {
    expect(() => alerts(params)).toThrow(BadRequestError);
    expect(() => alerts(params)).toThrow(message);
  });

  it('accepts since exactly 30 days ago', () => {
    expect(alerts({ since: new Date(NOW - 30 * DAY).toISOString() }).since).toBe(
      new Date(NOW - 30 * DAY).toISOString(),
    );
  });
});
