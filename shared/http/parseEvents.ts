import { gunzipSync } from 'node:zlib';
import { BodyParseError, PayloadTooLargeError } from '../errors.ts';
import { jsonShapeProblem } from './jsonShape.ts';
import { bodyFormatOf, isGzipEncoded } from './mediaType.ts';

/** The parts of an HTTP request that carry the body (API Gateway HTTP API payload 2.0 shape). */
export interface HttpBody {
  body?: string | undefined;
  isBase64Encoded?: boolean;
  /** Header names lower-cased, as API Gateway HTTP APIs deliver them. */
  headers: Record<string, string | undefined>;
}

export interface BodyLimits {
  /** Largest body, before and after decompression. */
  maxBodyBytes: number;
  /** Most events in one request (keeps the per-event response under Lambda's 6 MB). */
  maxEvents: number;
  /** Why `maxEvents` is what it is, when a caller lowered it (said in the 413). */
  maxEventsReason?: string;
}

/** One element of the body: parsed JSON, or why that element could not be parsed. */
export type ParsedItem = { ok: true; value: unknown } | { ok: false; error: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const BOM = 0xfeff;

/** String.prototype.isWellFormed (ES2024, in Node 20 and 22; the ES2023 lib does not declare it). */
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * Turns a request body into its events: one JSON object, a JSON array, or NDJSON (one event a
 * line, where a bad line fails only itself). Throws a typed error when nothing can be read.
 *
 * @example
 * parseEvents({ body: '[{"type":"a","source":"b"}]', headers: {} }, { maxBodyBytes: 5 << 20, maxEvents: 10_000 });
 */
export function parseEvents(request: HttpBody, limits: BodyLimits): ParsedItem[] {
  const format = bodyFormatOf(request.headers['content-type']);
  const text = decodeBody(request, limits.maxBodyBytes);
  if (text.trim() === '') throw new BodyParseError('the body is empty; send an event, an array of events or NDJSON');
  const items = format === 'ndjson' ? parseNdjson(text) : parseJsonBody(text);
  if (items.length === 0) throw new BodyParseError('the body holds no events');
  if (items.length > limits.maxEvents) {
    throw new PayloadTooLargeError(
      `${items.length} events in one request; the limit is ${limits.maxEvents}${limits.maxEventsReason ? ` ${limits.maxEventsReason}` : ''}`,
      limits.maxEvents,
    );
  }
  // In place: the array is this call's own, and a request can hold thousands of events.
  for (let i = 0; i < items.length; i++) items[i] = refuseUnsafeShape(items[i] as ParsedItem);
  return items;
}

function decodeBody(request: HttpBody, maxBytes: number): string {
  if (!request.isBase64Encoded) {
    const text = request.body ?? '';
    // A UTF-16 unit takes at most 3 UTF-8 bytes: below that, no need to count them.
    const size = text.length * 3 <= maxBytes ? 0 : Buffer.byteLength(text, 'utf8');
    if (size > maxBytes) throw tooLarge(size, maxBytes);
    // API Gateway's usual case, a text body, is a string already: encoding it to UTF-8 and decoding
    // it back gives the same string when it is well-formed, minus a leading BOM (as the decoder
    // strips it), and costs two copies of the body. A lone surrogate (the round trip turns it into
    // U+FFFD) or a gzip body takes the general path below.
    if (!isGzipEncoded(request.headers['content-encoding']) && isWellFormed(text)) {
      return text.charCodeAt(0) === BOM ? text.slice(1) : text;
    }
  }
  const raw = Buffer.from(request.body ?? '', request.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.byteLength > maxBytes) throw tooLarge(raw.byteLength, maxBytes);
  const bytes = isGzipEncoded(request.headers['content-encoding']) ? gunzip(raw, maxBytes) : raw;
  try {
    return utf8.decode(bytes);
  } catch {
    throw new BodyParseError('the body is not valid UTF-8');
  }
}

/** Stops inflating one byte past the limit, so a gzip bomb costs at most `maxBytes` of memory. */
function gunzip(raw: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLargeError(`the body inflates to more than ${maxBytes} bytes`, maxBytes);
    }
    throw new BodyParseError('the body is not valid gzip', { cause: error });
  }
}

function tooLarge(size: number, maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`the body is ${size} bytes; the limit is ${maxBytes}`, maxBytes);
}

function parseJsonBody(text: string): ParsedItem[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BodyParseError(`the body is not valid JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(value)) return value.map((item) => ({ ok: true, value: item }));
  if (value !== null && typeof value === 'object') return [{ ok: true, value }];
  throw new BodyParseError('the body must be an event object or an array of events');
}

function parseNdjson(text: string): ParsedItem[] {
  const items: ParsedItem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    try {
      items.push({ ok: true, value: JSON.parse(line) });
    } catch (error) {
      items.push({ ok: false, error: `line ${i + 1} is not valid JSON: ${(error as Error).message}` });
    }
  }
  return items;
}

/** Refuses, per event, what cannot be passed on safely (see jsonShapeProblem). */
function refuseUnsafeShape(item: ParsedItem): ParsedItem {
  const problem = item.ok ? jsonShapeProblem(item.value) : undefined;
  return problem ? { ok: false, error: problem } : item;
}
