import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LocalRoute } from '../app/model.ts';
import { closeHttpServer, LOOPBACK, listen } from '../emulators/servers.ts';
import type { Invoke } from '../lambda/types.ts';
import { withoutUndefined } from '../withoutUndefined.ts';
import { AUTHORIZER_TIMEOUT_MS, assertSupportedAuthorizer } from './authorizer.ts';
import { authorizerCache } from './authorizerCache.ts';
import { HttpApiConfigError } from './errors.ts';
import { gatewayResponse, type HttpResponse } from './gatewayResponses.ts';
import { type HandledRequest, handleRequest, type RequestHandlerDeps } from './handleRequest.ts';
import { MAX_PAYLOAD_BYTES } from './requestBody.ts';
import { newRequestId } from './requestContext.ts';
import { routeTable } from './routeTable.ts';

export { HttpApiConfigError } from './errors.ts';

export interface HttpApiOptions {
  routes: LocalRoute[];
  invoke: Invoke;
  /** 0 picks a free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `$default` (served at the root); a named stage is served under `/<stage>`. */
  stage?: string;
  /** Default us-east-1. */
  region?: string;
  /** Default 000000000000. */
  accountId?: string;
  /** Default `localapi`. */
  apiId?: string;
  /**
   * How long API Gateway waits for the integration before answering 503. Default 30 s, the
   * HTTP API maximum; a template's `TimeoutInMillis` may be shorter.
   */
  integrationTimeoutMs?: number;
  /** How long it waits for an authorizer before answering 500. Default 10 s, as on AWS. */
  authorizerTimeoutMs?: number;
  /** Clock of the request times and the authorizer cache (tests move it). Default Date.now. */
  now?: () => number;
  /** One line per request: method, path, status, duration, functions run. Default: discard. */
  log?: (line: string) => void;
}

export interface HttpApi {
  /** Base URL, stage included when it is not `$default` (like an invoke URL). */
  url: string;
  port: number;
  /** Stops accepting connections, closes idle keep-alive sockets, ends in-flight requests after 1 s. Idempotent. */
  close(): Promise<void>;
}

const DEFAULTS = Object.freeze({
  port: 0,
  host: LOOPBACK,
  stage: '$default',
  region: 'us-east-1',
  accountId: '000000000000',
  apiId: 'localapi',
  integrationTimeoutMs: 30_000,
  authorizerTimeoutMs: AUTHORIZER_TIMEOUT_MS,
  now: Date.now,
  log: (_line: string) => {},
});

/**
 * Serves routes as an API Gateway HTTP API does, with payload format 2.0 events, Lambda request
 * authorizers (simple responses, cached per identity) and AWS's response mapping. Route and
 * authorizer settings that are not emulated fail here with HttpApiConfigError.
 *
 * @example
 * const api = await startHttpApi({ routes: app.routes, invoke: lambda.invoke, port: 3000 });
 * await fetch(`${api.url}/events`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
 * await api.close();
 */
export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const settings = { ...DEFAULTS, ...withoutUndefined(options), routes: options.routes, invoke: options.invoke };
  for (const route of settings.routes) {
    if (route.payloadFormatVersion !== '2.0') {
      throw new HttpApiConfigError(`route "${route.routeKey}": only payload format 2.0 is emulated`);
    }
    if (route.authorizer) assertSupportedAuthorizer(route.authorizer);
  }
  const deps: RequestHandlerDeps = {
    api: { region: settings.region, accountId: settings.accountId, apiId: settings.apiId, stage: settings.stage },
    routes: routeTable(settings.routes),
    invoke: settings.invoke,
    cache: authorizerCache(settings.now),
    maxPayloadBytes: MAX_PAYLOAD_BYTES,
    integrationTimeoutMs: settings.integrationTimeoutMs,
    authorizerTimeoutMs: settings.authorizerTimeoutMs,
    now: settings.now,
  };
  const server = createServer((req, res) => void serve(deps, settings.log, req, res));
  const port = await listen(server, settings.port, settings.host);
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const stagePrefix = settings.stage === '$default' ? '' : `/${settings.stage}`;
  let closing: Promise<void> | undefined;
  return { url: `http://${host}:${port}${stagePrefix}`, port, close: () => (closing ??= closeHttpServer(server)) };
}

async function serve(
  deps: RequestHandlerDeps,
  log: (line: string) => void,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const requestId = newRequestId();
  const path = req.url?.split('?')[0] ?? '/';
  let handled: HandledRequest;
  let failure = '';
  try {
    handled = await handleRequest(deps, req, requestId);
  } catch (error) {
    // Invoke itself failed (unknown function, broken runtime) or the client went away: API Gateway
    // failing to call the integration answers 500.
    handled = { response: gatewayResponse('internalServerError'), path, functions: [] };
    failure = ` (${error instanceof Error ? error.message : String(error)})`;
  }
  send(res, handled.response, requestId);
  const ms = Math.round(performance.now() - started);
  const functions = handled.functions.join(' ') || '-';
  log(`${req.method} ${handled.path} ${handled.response.statusCode} ${ms}ms ${functions}${failure}`);
}

function send(res: ServerResponse, response: HttpResponse, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (response.cookies.length > 0) res.setHeader('set-cookie', response.cookies);
  // API Gateway's own header on every HTTP API response, the id of `requestContext.requestId`.
  res.setHeader('apigw-requestid', requestId);
  res.setHeader('content-length', response.body.length);
  res.writeHead(response.statusCode);
  res.end(response.body);
}
