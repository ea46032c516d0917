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

const CREDENTIALS_HINT =
  'set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or sign in with aws sso login';

/**
 * One line saying why a redrive or replay could not go on, for the failures it expects: its own
 * (RedriveError), AWS's (missing credentials, a service refusing a call: access denied, no such
 * stack or function) and the network's (a local pipeline that is not running). Undefined for
 * anything else: a bug, which should show its stack.
 *
 * @example
 * failureLine(new RedriveError('the local pipeline has no AggregateFailedBatchesBucket')); // the message
 */
export function failureLine(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();
  const credentials = [error, error.cause].some(isCredentialsError);
  const hint = credentials ? ` (no AWS credentials: ${CREDENTIALS_HINT})` : '';
  if (error instanceof RedriveError) return oneLine(`${error.message}${hint}`);
  if (credentials) return oneLine(`no AWS credentials: ${error.message} (${CREDENTIALS_HINT})`);
  if ('$metadata' in error) return oneLine(`${error.name}: ${error.message}`);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return oneLine(error.message);
  return undefined;
}

function isCredentialsError(error: unknown): boolean {
  return error instanceof Error && error.name === 'CredentialsProviderError';
}
