/** A redrive or replay that cannot go on: a missing bucket or function, a stored object that is not a failure record. */
export class RedriveError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RedriveError';
  }
}

/** Records to re-read from the stream are gone: trimmed by its retention, or never there. */
export class RecordsExpiredError extends RedriveError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RecordsExpiredError';
  }
}
