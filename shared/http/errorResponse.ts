import {
  BadRequestError,
  BodyParseError,
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  PayloadTooLargeError,
  PipelineError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../errors.ts';
import { type HttpResponse, jsonResponse } from './jsonResponse.ts';

/** The one place where an error becomes an HTTP status. */
const STATUS_BY_ERROR: ReadonlyArray<[new (...args: never[]) => Error, number, string]> = [
  [BodyParseError, 400, 'bad_request'],
  [BadRequestError, 400, 'bad_request'],
  [UnauthorizedError, 401, 'unauthorized'],
  [IdempotencyKeyInProgressError, 409, 'idempotency_key_in_progress'],
  [PayloadTooLargeError, 413, 'payload_too_large'],
  [UnsupportedMediaTypeError, 415, 'unsupported_media_type'],
  [IdempotencyKeyReusedError, 422, 'idempotency_key_reused'],
];

/** Maps a thrown error to the API's JSON error response (500 with no detail for unexpected ones). */
export function errorResponse(error: unknown): HttpResponse {
  for (const [type, statusCode, code] of STATUS_BY_ERROR) {
    if (error instanceof type) {
      const headers: Record<string, string> = statusCode === 409 ? { 'retry-after': '1' } : {};
      return jsonResponse(statusCode, { code, message: error.message, results: [] }, headers);
    }
  }
  return jsonResponse(500, { code: 'internal_error', message: 'internal error', results: [] });
}

/** True for errors the caller caused (logged as warnings, not errors). */
export function isClientError(error: unknown): boolean {
  return error instanceof PipelineError && errorResponse(error).statusCode < 500;
}

/**
 * API Gateway answers 401 when a Lambda authorizer fails with exactly the message "Unauthorized"
 * (any other failure becomes a 500); a missing Authorization header gets a 401 before it is invoked.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 */
export function authorizerFailure(error: unknown): never {
  if (error instanceof UnauthorizedError) throw new Error('Unauthorized', { cause: error });
  throw error;
}
