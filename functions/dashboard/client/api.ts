import { browser } from './browser.ts';
import type { AggregateRow, AlertRow } from './series.ts';

/** The API refused the token (401): it is unknown, revoked or malformed. */
export class TokenRefusedError extends Error {}

/** At most this many pages per refresh: 60 windows of up to 1000 types each is plenty. */
const MAX_PAGES = 60;

interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * The query API as the dashboard calls it: same origin, bearer token, JSON.
 *
 * @example
 * const api = queryApi(token);
 * const rows = await api.aggregates(fromIso, toIso);
 */
export function queryApi(token: string, fetchJson = browser.fetch) {
  async function get<T>(path: string, params: Record<string, string>): Promise<T> {
    const url = new URL(path, browser.location.href);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    const response = await fetchJson(url, { headers: { authorization: `Bearer ${token}` } });
    if (response.status === 401) throw new TokenRefusedError('the API refused the token');
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  return {
    /** Every type's aggregates with a window start in [from, to], all pages. */
    async aggregates(from: string, to: string): Promise<AggregateRow[]> {
      const rows: AggregateRow[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const params: Record<string, string> = { from, to, limit: '1000', ...(cursor && { cursor }) };
        const result = await get<Page<AggregateRow>>('aggregates', params);
        rows.push(...result.items);
        cursor = result.nextCursor;
        if (!cursor) break;
      }
      return rows;
    },
    /** The newest alerts of the last 24 hours, firing and resolved. */
    async alerts(limit: number): Promise<AlertRow[]> {
      return (await get<Page<AlertRow>>('alerts', { limit: String(limit) })).items;
    },
  };
}
