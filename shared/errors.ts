/**
 * Typed errors of the pipeline. Each API error maps to exactly one HTTP status in
 * `shared/http/errorResponse.ts`; nothing else decides a status code. Consumer errors are thrown
 * from a record handler, which the batch utility turns into that record's `batchItemFailures` entry.
 */

/** Base class: every error the pipeline raises on purpose. */
export class PipelineError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A required setting is missing or malformed (fails the cold start, names the setting). */
export class ConfigurationError extends PipelineError {}

/** The request body could not be read at all (bad JSON, bad UTF-8, bad gzip, empty). */
export class BodyParseError extends PipelineError {}

/** The body (compressed or decompressed) is larger than the configured limit. */
export class PayloadTooLargeError extends PipelineError {
  constructor(
    message: string,
    readonly limitBytes: number,
  ) {
    super(message);
  }
}

/** Content-Type or Content-Encoding the API does not speak. */
export class UnsupportedMediaTypeError extends PipelineError {}

/** A query parameter or pagination cursor the API cannot accept; the message names it. */
export class BadRequestError extends PipelineError {}

/** No token, or a token that matches no producer. */
export class UnauthorizedError extends PipelineError {}

/** Same Idempotency-Key reused with a different body. */
export class IdempotencyKeyReusedError extends PipelineError {}

/** Same Idempotency-Key while the first request with it is still running. */
export class IdempotencyKeyInProgressError extends PipelineError {}

/** A single record can never be written (too large, bad partition key): rejected, not sent. */
export class RecordRejectedError extends PipelineError {
  constructor(
    message: string,
    readonly code: 'record_too_large' | 'invalid_partition_key',
  ) {
    super(message);
  }
}

/**
 * Control flow for idempotency: the response of a request that wrote nothing is not stored
 * under its Idempotency-Key, so the same key may be retried. Carries the response to send.
 */
export class NothingWrittenError extends PipelineError {
  constructor(readonly response: unknown) {
    super('no event was written; the response is not stored for the idempotency key');
  }
}

/**
 * A stream record that is not UTF-8 JSON or not a valid pipeline record. Consumers that cannot keep
 * it throw this to fail the record (it then reaches the on-failure destination after retries); the
 * archive keeps it under `errors/` instead.
 */
export class InvalidRecordError extends PipelineError {
  constructor(
    message: string,
    readonly sequenceNumber: string,
  ) {
    super(message);
  }
}

/** The archive object holding a record could not be written: the record is reported failed. */
export class ArchiveWriteError extends PipelineError {
  constructor(
    message: string,
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
