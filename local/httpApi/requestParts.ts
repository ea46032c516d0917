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
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${sourceIp}` : sourceIp;
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= traceId(now);
  const queryStringParameters = parseQuery(rawQueryString);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath: rawPath.startsWith('/') ? rawPath : `/${rawPath}`,
    rawQueryString,
    headers,
    ...(cookies.length > 0 && { cookies }),
    ...(queryStringParameters && { queryStringParameters }),
    sourceIp,
    protocol: `HTTP/${req.httpVersion}`,
  };
}

/** From the raw header lines, because Node's `req.headers` silently drops repeats of some headers. */
function joinHeaders(rawHeaders: string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(...value.split(';').flatMap((cookie) => (cookie.trim() ? [cookie.trim()] : [])));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

/** Decoded parameters, repeats joined with commas; undefined when there are none (as in the event). */
function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decodeQueryPart(equals === -1 ? pair : pair.slice(0, equals));
    const value = decodeQueryPart(equals === -1 ? '' : pair.slice(equals + 1));
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
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
