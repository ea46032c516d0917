/**
 * An ISO 8601 date or date-time (`2026-01-02`, `2026-01-02T03:04Z`, `2026-01-02T03:04:05.678+01:00`)
 * as epoch ms, or undefined. A time without an offset is UTC, not local time, unlike Date.parse.
 *
 * @example
 * parseTime('2026-01-02T03:04Z'); // 1767323040000
 */
export function parseTime(text: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:\d{2})?)?$/.exec(
    text.trim(),
  );
  if (!match) return undefined;
  const [, date, time, offset] = match;
  const ms = Date.parse(time === undefined ? `${date}T00:00:00Z` : `${date}T${time}${offset ?? 'Z'}`);
  return Number.isFinite(ms) ? ms : undefined;
}
