import type { Cell, QueryResult } from './queryResult.ts';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/**
 * A result as text, the same from either engine:
 * - `table`: aligned columns under a header, numbers right-aligned, NULL for a null, then the row count;
 * - `json`: a JSON array of row objects (column name → value);
 * - `csv`: RFC 4180, a header line, a null as an empty field.
 * Nested values (structs, lists) are JSON in `table` and `csv`.
 *
 * @example
 * formatResult({ columns: [{ name: 'n', type: 'BIGINT' }], rows: [[3]] }, 'json'); // '[{"n":3}]\n'
 */
export function formatResult(result: QueryResult, format: Format): string {
  if (format === 'json') {
    const objects = result.rows.map((row) =>
      Object.fromEntries(result.columns.map((column, i) => [column.name, row[i] ?? null])),
    );
    return `${JSON.stringify(objects, null, 2)}\n`;
  }
  if (format === 'csv') {
    const lines = [result.columns.map((column) => csvField(column.name))];
    for (const row of result.rows) lines.push(row.map((cell) => (cell === null ? '' : csvField(text(cell)))));
    return `${lines.map((fields) => fields.join(',')).join('\r\n')}\r\n`;
  }
  return table(result);
}

function table(result: QueryResult): string {
  const header = result.columns.map((column) => column.name);
  const body = result.rows.map((row) => row.map((cell) => (cell === null ? 'NULL' : text(cell))));
  const numeric = result.columns.map((_, i) =>
    result.rows.every((row) => typeof row[i] === 'number' || row[i] === null),
  );
  const widths = header.map((name, i) => Math.max(name.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join(' | ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('-+-');
  const count = `(${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'})`;
  return `${[line(header), rule, ...body.map(line), count].join('\n')}\n`;
}

const text = (cell: Exclude<Cell, null>): string => (typeof cell === 'object' ? JSON.stringify(cell) : String(cell));

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
