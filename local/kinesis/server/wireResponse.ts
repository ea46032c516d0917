import { cbor } from '@smithy/core/cbor';
import type { KinesisServiceError } from '../engine/api.ts';

/** What both `http.ServerResponse` and `http2.Http2ServerResponse` offer that the server uses. */
export interface WireResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  write(chunk: Uint8Array): boolean;
  end(chunk?: string | Uint8Array): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * Answers a JSON 1.1 body with AWS's headers (`x-amzn-RequestId` on every answer).
 *
 * @example
 * sendJson(res, 200, '{"StreamNames":[]}', requestId);
 */
export function sendJson(
  res: WireResponse,
  status: number,
  body: string,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    // HTTP/1.1 keeps this spelling (AWS's); HTTP/2 lowercases every name.
    'x-amzn-RequestId': requestId,
    ...extraHeaders,
  });
  res.end(body);
}

/**
 * Answers an error as AWS's JSON 1.1 protocol does: status from the error, body
 * `{"__type": code, "message": ...}` and the `x-amzn-ErrorType` header; the SDK reads the code from
 * either and throws its exception class of that name.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/CommonErrors.html
 *
 * @example
 * sendError(res, new KinesisServiceError('ResourceNotFoundException', 'Stream x not found'), requestId);
 */
export function sendError(
  res: WireResponse,
  error: KinesisServiceError,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): void {
  const body = JSON.stringify({ __type: error.code, message: error.message });
  sendJson(res, error.status, body, requestId, { 'x-amzn-ErrorType': error.code, ...extraHeaders });
}

export const CBOR_CONTENT_TYPE = 'application/x-amz-cbor-1.1';

/**
 * Answers an error in AWS CBOR 1.1 (what the Java SDKs send and read by default), so that a Java
 * client shows the message instead of failing to parse a JSON body.
 *
 * @example
 * sendCborError(res, unknownOperation('Kinesis_20131202.PutRecord'), requestId);
 */
export function sendCborError(res: WireResponse, error: KinesisServiceError, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  // `serialize` reuses one shared buffer: copy before the next call can overwrite it.
  const body = Buffer.from(cbor.serialize({ __type: error.code, message: error.message }));
  res.writeHead(error.status, {
    'content-type': CBOR_CONTENT_TYPE,
    'content-length': body.length,
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': error.code,
  });
  res.end(body);
}
