import { validateHeaderName, validateHeaderValue } from 'node:http';
import { isRecord } from '../isRecord.ts';
import type { HttpResponse } from './gatewayResponses.ts';

/**
 * How API Gateway reads a Lambda response with payload format 2.0:
 * - an object with `statusCode` is a structured response: that status, `headers`, each of
 *   `cookies` as a `Set-Cookie` header, `body` (base64-decoded when `isBase64Encoded`);
 *   `multiValueHeaders` belongs to format 1.0 and is ignored;
 * - anything else is the body of a 200 with `content-type: application/json`: a string as it
 *   is, any other value JSON-serialized.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response
 */

/** Framing headers come from the body actually sent, never from the function. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection']);

/**
 * The HTTP response for a function's result, or undefined when a structured response is
 * malformed (API Gateway answers 500 then).
 *
 * @example
 * integrationResponse({ statusCode: 201, body: 'created' }); // 201 'created'
 * integrationResponse({ ok: true }); // 200 application/json '{"ok":true}'
 */
export function integrationResponse(response: unknown): HttpResponse | undefined {
  if (!isRecord(response) || !('statusCode' in response)) return inferredResponse(response);
  const { statusCode, headers, cookies, body, isBase64Encoded } = response;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return undefined;
  }
  const headerValues = headersOf(headers ?? {});
  const cookieValues = cookiesOf(cookies ?? []);
  if (!headerValues || !cookieValues) return undefined;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  // A `set-cookie` among the headers joins the cookies instead of being replaced by them.
  for (const name of Object.keys(headerValues).filter((n) => n.toLowerCase() === 'set-cookie')) {
    cookieValues.unshift(headerValues[name] ?? '');
    delete headerValues[name];
  }
  return {
    statusCode,
    headers: headerValues,
    cookies: cookieValues,
    body: Buffer.from(body ?? '', isBase64Encoded === true ? 'base64' : 'utf8'),
  };
}

function inferredResponse(response: unknown): HttpResponse {
  // A function that returns nothing answers `null` through Lambda, which is valid JSON.
  const body = typeof response === 'string' ? response : JSON.stringify(response ?? null);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(body) };
}

function headersOf(headers: unknown): Record<string, string> | undefined {
  if (!isRecord(headers)) return undefined;
  // No prototype: a header named `__proto__` (or `constructor`) is a header like any other.
  const values: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
    if (!isValidHeader(name, String(value))) return undefined;
    if (!FRAMING_HEADERS.has(name.toLowerCase())) values[name] = String(value);
  }
  return values;
}

/** A name or value HTTP cannot carry (a newline, say) is a malformed response, not a crash. */
function isValidHeader(name: string, value: string): boolean {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}

function cookiesOf(cookies: unknown): string[] | undefined {
  if (!Array.isArray(cookies)) return undefined;
  const valid = cookies.every((cookie) => typeof cookie === 'string' && isValidHeader('set-cookie', cookie));
  return valid ? [...cookies] : undefined;
}
