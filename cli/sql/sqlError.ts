/**
 * A query that cannot be answered, with the engine's own message (DuckDB's, Athena's) or ours
 * (an empty archive, several statements): `npm run sql` prints it and exits 1, never a stack trace.
 */
export class SqlError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SqlError';
  }
}
