import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * What API Gateway reads off the wire before routing, shaped as payload format 2.0 carries it:
 * header names lower-cased and repeated headers joined with commas, repeated query parameters
 * joined with commas, every `Cookie` header split into `cookies` (and left out of `headers`).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export interface RequestParts {
  method: string;
  /** The path as sent (stage prefix included, still URL-encoded), without the query string. */
  rawPath: string;
  /** Everything after `?`, as sent; '' when there is none. */
  rawQueryString: string;
  headers: Record<string, string>;
  cookies?: string[];
  queryStringParameters?: Record<string, string>;
  sourceIp: string;
  /** e.g. `HTTP/1.1` */
  protocol: string;
}

/**
 * Reads a Node request into the parts the events are built from. Adds the forwarding headers API
 * Gateway adds (`x-forwarded-for`/`-port`/`-proto`, `x-amzn-trace-id`), with the local values.
 *
 * @example
 * const parts = readRequestParts(req); // parts.headers['content-type'], parts.cookies, ...
 */
export function readRequestParts(req: IncomingMessage, now: number): RequestParts {
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : target.slice(queryAt + 1);
  const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const { headers, cookies } = joinHeaders(req.rawHeaders);
  const forwardedFor = headers.get('x-forwarded-for');
  headers.set('x-forwarded-for', forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp);
  headers.set('x-forwarded-port', String(req.socket.localPort ?? ''));
  headers.set('x-forwarded-proto', 'http');
  if (!headers.has('x-amzn-trace-id')) headers.set('x-amzn-trace-id', traceId(now));
  const queryStringParameters = parseQuery(rawQueryString);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath: rawPath.startsWith('/') ? rawPath : `/${rawPath}`,
    rawQueryString,
    headers: toPlainObject(headers),
    ...(cookies.length > 0 && { cookies }),
    ...(queryStringParameters && { queryStringParameters }),
    sourceIp,
    protocol: `HTTP/${req.httpVersion}`,
  };
}

/**
 * From the raw header lines, because Node's `req.headers` silently drops repeats of some headers.
 * Collected in a Map: on a plain object, a header named `constructor` or `__proto__` would hit
 * Object.prototype (`name in headers` is true for it, and `__proto__` assignment sets the prototype).
 */
function joinHeaders(rawHeaders: string[]): { headers: Map<string, string>; cookies: string[] } {
  const headers = new Map<string, string>();
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(...value.split(';').flatMap((cookie) => (cookie.trim() ? [cookie.trim()] : [])));
      continue;
    }
    joinRepeat(headers, name, value);
  }
  return { headers, cookies };
}

/** Decoded parameters, repeats joined with commas; undefined when there are none (as in the event). */
function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  const parameters = new Map<string, string>();
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeQueryPart(equals === -1 ? pair : pair.slice(0, equals));
    const value = decodeQueryPart(equals === -1 ? '' : pair.slice(equals + 1));
    joinRepeat(parameters, name, value);
  }
  return parameters.size > 0 ? toPlainObject(parameters) : undefined;
}

/** API Gateway joins the values of a repeated header or query parameter with commas. */
function joinRepeat(values: Map<string, string>, name: string, value: string): void {
  const earlier = values.get(name);
  values.set(name, earlier === undefined ? value : `${earlier},${value}`);
}

/**
 * A plain object, as the JSON event is: `Object.fromEntries` defines own properties, so even
 * `__proto__` becomes an ordinary key (and survives JSON.stringify) instead of setting the prototype.
 */
function toPlainObject(values: Map<string, string>): Record<string, string> {
  return Object.fromEntries(values);
}

/**
 * The value of a header or query parameter, or undefined when the request has none: own
 * properties only, so a lookup of `constructor` or `toString` does not find Object.prototype's.
 *
 * @example
 * ownValue(parts.headers, 'authorization'); // 'Bearer kp_...' or undefined
 */
export function ownValue(values: Record<string, string> | undefined, name: string): string | undefined {
  return values !== undefined && Object.hasOwn(values, name) ? values[name] : undefined;
}

/** Form-style decoding (`+` is a space); a malformed escape stays as sent rather than failing the request. */
function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replaceAll('+', ' '));
  } catch {
    return part;
  }
}

/** An X-Ray style trace header: `Root=1-<epoch seconds, hex>-<96 random bits, hex>`. */
function traceId(now: number): string {
  return `Root=1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}
