import { randomBytes } from 'node:crypto';
import type { APIGatewayEventRequestContextV2 } from 'aws-lambda';
import type { RequestParts } from './requestParts.ts';

/**
 * `requestContext` of payload format 2.0, shared by the authorizer and the integration event.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */

export interface ApiIdentity {
  region: string;
  accountId: string;
  apiId: string;
  stage: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A request id shaped like HTTP API ones (`JKJaXmPLvHcESHA=`): 15 URL-safe base64 characters and
 * a trailing `=`. It is also the `apigw-requestid` response header.
 *
 * @example
 * newRequestId(); // 'Ab3XYjN8IAMEM_A='
 */
export function newRequestId(): string {
  return `${randomBytes(11).toString('base64url')}=`;
}

/**
 * The `time` field: common log format in UTC, `dd/MMM/yyyy:HH:mm:ss +0000`.
 *
 * @example
 * requestTime(Date.UTC(2020, 2, 12, 19, 3, 58)); // '12/Mar/2020:19:03:58 +0000'
 */
export function requestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}`;
  return `${day}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/**
 * Builds the request context. `domainName` is the Host the client used, as on AWS (where it is
 * the execute-api or custom domain); `domainPrefix` is its first label (the whole name for an IP).
 *
 * @example
 * requestContext(api, parts, { requestId: newRequestId(), routeKey: 'POST /events', timeEpoch: Date.now() });
 */
export function requestContext(
  api: ApiIdentity,
  parts: RequestParts,
  request: { requestId: string; routeKey: string; timeEpoch: number },
): APIGatewayEventRequestContextV2 {
  const domainName = parts.headers.host ?? `${api.apiId}.execute-api.${api.region}.amazonaws.com`;
  return {
    accountId: api.accountId,
    apiId: api.apiId,
    domainName,
    domainPrefix: domainPrefix(domainName),
    http: {
      method: parts.method,
      path: parts.rawPath,
      protocol: parts.protocol,
      sourceIp: parts.sourceIp,
      userAgent: parts.headers['user-agent'] ?? '',
    },
    requestId: request.requestId,
    routeKey: request.routeKey,
    stage: api.stage,
    time: requestTime(request.timeEpoch),
    timeEpoch: request.timeEpoch,
  };
}

function domainPrefix(domainName: string): string {
  const hostname = domainName.replace(/:\d+$/, '');
  if (/^[\d.]+$/.test(hostname) || hostname.startsWith('[')) return hostname;
  return hostname.split('.')[0] ?? hostname;
}
