import { KinesisServiceError } from '../engine/api.ts';

/**
 * The errors the wire layer answers itself, before the engine sees a request, in the forms AWS's
 * JSON 1.1 front end uses (`__type` codes; the SDK maps each code to its exception class).
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/CommonErrors.html
 */

/** The body is not the JSON the operation takes (bad JSON, a value of the wrong type). */
export const serializationError = (message: string): KinesisServiceError =>
  new KinesisServiceError('SerializationException', message);

/**
 * Member constraints failed, in AWS's wording:
 * `1 validation error detected: Value '' at 'streamName' failed to satisfy constraint: Member must ...`.
 */
export function validationError(violations: readonly string[]): KinesisServiceError {
  const count = violations.length;
  return new KinesisServiceError(
    'ValidationException',
    `${count} validation error${count === 1 ? '' : 's'} detected: ${violations.join('; ')}`,
  );
}

/**
 * The target names no action this engine serves: a typo, another service, or an action AWS has that
 * the engine does not implement (resource policies, account settings, ...), which AWS itself would
 * answer; the SDK then throws a generic `KinesisServiceException` named `UnknownOperationException`.
 */
export const unknownOperation = (target: string): KinesisServiceError =>
  new KinesisServiceError('UnknownOperationException', `Operation ${target || '(no X-Amz-Target)'} is not served here`);

/**
 * CBOR 1.1 requests (the Java SDKs' default) are not served: the engine speaks JSON 1.1 only, and
 * the Java SDKs switch to it with one setting, which the message names.
 */
export const cborUnsupported = (): KinesisServiceError =>
  new KinesisServiceError(
    'UnknownOperationException',
    'The local Kinesis engine speaks AWS JSON 1.1 only, not CBOR: run the Java SDK with ' +
      'AWS_CBOR_ENABLED=false or -Daws.cborEnabled=false (SDK v2), or -Dcom.amazonaws.sdk.disableCbor=true (SDK v1)',
  );

/** AWS's answer to a request it cannot attribute to a service and operation at all. */
export const accessDenied = (): KinesisServiceError =>
  new KinesisServiceError('AccessDeniedException', 'Unable to determine service/operation name to be authorized', 403);

/** The body passed the server's limit; reading stopped there. */
export const bodyTooLarge = (limit: number): KinesisServiceError =>
  new KinesisServiceError('ValidationException', `Request body exceeds the limit of ${limit} bytes`, 413);

/** Unexpected failures: the detail goes to the log, not to the client. */
export const internalFailure = (): KinesisServiceError =>
  new KinesisServiceError('InternalFailure', 'The request processing has failed because of an unknown error.', 500);

/** The server could not start or stop (port in use, ...). */
export class KinesisServerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KinesisServerError';
  }
}
