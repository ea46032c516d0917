import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';

/**
 * The request payload quota of HTTP APIs: "Payload size 10 MB", read here as 10 MiB. A larger
 * body is answered 413 before any function runs.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
 */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Reads the whole body; undefined when it is larger than `limit`. A too-large body is still read
 * to its end (and thrown away) so the client gets the 413 instead of a reset connection.
 *
 * @example
 * const body = await readBody(req); // Buffer, or undefined: answer 413
 */
export async function readBody(req: IncomingMessage, limit = MAX_PAYLOAD_BYTES): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size <= limit ? Buffer.concat(chunks, size) : undefined;
}

/**
 * Media types delivered as text. HTTP APIs have no binaryMediaTypes setting: API Gateway decides
 * from the request headers alone, and AWS does not publish the list. Observed on AWS (HTTP API,
 * payload 2.0; https://github.com/ministackorg/ministack/pull/766) and recorded in the project's
 * semantics notes: only `text/*`, `application/json`, `application/xml` and
 * `application/javascript` arrive as text. Everything else arrives base64-encoded, among them
 * NDJSON (`application/x-ndjson`, `application/jsonl`), `*+json` (`application/cloudevents+json`),
 * `*+xml`, `application/x-www-form-urlencoded` and a missing Content-Type (also seen in
 * https://github.com/denoland/deno_registry2/issues/33). A base64 body takes 4/3 of its size in
 * the invoke payload, which matters for Lambda's 6 MB limit (invokePayload.ts).
 *
 * A `Content-Encoding` other than `identity` (gzip, br, ...) is base64 too, whatever the type, as
 * the semantics notes say of gzip: the bytes on the wire are compressed, not text (and gzip bytes
 * are never valid UTF-8, so they could not be passed as a string unchanged anyway).
 */
const TEXT_TYPES: ReadonlySet<string> = new Set(['application/json', 'application/xml', 'application/javascript']);

/**
 * Whether API Gateway passes this body as text (as-is) rather than base64-encoded.
 *
 * @example
 * isTextBody({ 'content-type': 'application/json; charset=utf-8' }); // true
 * isTextBody({ 'content-type': 'application/x-ndjson' }); // false
 * isTextBody({ 'content-type': 'application/json', 'content-encoding': 'gzip' }); // false
 */
export function isTextBody(headers: Record<string, string | undefined>): boolean {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') return false;
  const type = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (!type) return false;
  return type.startsWith('text/') || TEXT_TYPES.has(type);
}

/**
 * The `body` and `isBase64Encoded` fields of the event; no `body` at all for an empty request body.
 * A text body that is not valid UTF-8 is passed base64-encoded too: decoding it would replace the
 * bad bytes with U+FFFD, and the function would accept data that is not what the client sent.
 *
 * @example
 * encodeBody(Buffer.from('{"a":1}'), { 'content-type': 'application/json' }); // { body: '{"a":1}', isBase64Encoded: false }
 * encodeBody(Buffer.from([0x7b, 0xff]), { 'content-type': 'application/json' }); // { body: 'e/8=', isBase64Encoded: true }
 */
export function encodeBody(
  body: Buffer,
  headers: Record<string, string | undefined>,
): { body?: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { isBase64Encoded: false };
  return isTextBody(headers) && isUtf8(body)
    ? { body: body.toString('utf8'), isBase64Encoded: false }
    : { body: body.toString('base64'), isBase64Encoded: true };
}
