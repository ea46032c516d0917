import type { IncomingMessage } from 'node:http';
import type { LocalAuthorizer } from '../app/model.ts';
import type { Invoke } from '../lambda/types.ts';
import { authorize, identitySourceValues } from './authorizer.ts';
import type { AuthorizerCache } from './authorizerCache.ts';
import { authorizerEvent, integrationEvent, type RoutedRequest } from './events.ts';
import { gatewayResponse, type HttpResponse } from './gatewayResponses.ts';
import { integrationResponse } from './integrationResponse.ts';
import { exceedsInvokePayload } from './invokePayload.ts';
import { invokeWithin } from './invokeWithin.ts';
import { encodeBody, readBody } from './requestBody.ts';
import { type ApiIdentity, requestContext } from './requestContext.ts';
import { readRequestParts } from './requestParts.ts';
import type { RouteTable } from './routeTable.ts';

export interface RequestHandlerDeps {
  api: ApiIdentity;
  routes: RouteTable;
  invoke: Invoke;
  cache: AuthorizerCache;
  maxPayloadBytes: number;
  integrationTimeoutMs: number;
  authorizerTimeoutMs: number;
  now: () => number;
}

/** One request's answer, with what the log line needs. */
export interface HandledRequest {
  response: HttpResponse;
  /** The path as sent, without the query string (which may carry credentials). */
  path: string;
  /** Logical ids of the functions that ran, in order; `(cached)` marks an authorizer cache hit. */
  functions: string[];
}

/**
 * Answers one request as the HTTP API does: payload limit, stage, route, authorizer, Lambda's
 * invoke payload limit, integration.
 *
 * @example
 * const { response } = await handleRequest(deps, req, newRequestId());
 */
export async function handleRequest(
  deps: RequestHandlerDeps,
  req: IncomingMessage,
  requestId: string,
): Promise<HandledRequest> {
  const timeEpoch = deps.now();
  const parts = readRequestParts(req, timeEpoch);
  const functions: string[] = [];
  const done = (response: HttpResponse) => ({ response, path: parts.rawPath, functions });

  const body = await readBody(req, deps.maxPayloadBytes);
  if (!body) return done(gatewayResponse('payloadTooLarge'));
  const path = stagePath(deps.api.stage, parts.rawPath);
  const match = path === undefined ? undefined : deps.routes.match(parts.method, path);
  if (path === undefined || !match) return done(gatewayResponse('notFound'));

  const { route } = match;
  const routed: RoutedRequest = {
    parts,
    path,
    routeKey: route.routeKey,
    ...(match.pathParameters && { pathParameters: match.pathParameters }),
    requestContext: requestContext(deps.api, parts, { requestId, routeKey: route.routeKey, timeEpoch }),
  };

  const authorized = route.authorizer ? await runAuthorizer(deps, route.authorizer, routed, functions) : {};
  if ('denied' in authorized) return done(authorized.denied);

  const event = integrationEvent(routed, encodeBody(body, parts.headers), authorized.context);
  // Lambda refuses the invoke itself (RequestEntityTooLargeException): the function never runs.
  if (exceedsInvokePayload(event)) return done(gatewayResponse('invokePayloadTooLarge'));
  functions.push(route.functionLogicalId);
  const timeoutMs = route.integrationTimeoutMs ?? deps.integrationTimeoutMs;
  const result = await invokeWithin(deps.invoke, route.functionLogicalId, event, timeoutMs);
  // Past the integration timeout (30 s at most) API Gateway gives up with 503 while the function
  // may still run (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html;
  // the 503 as observed in https://github.com/serverless/serverless/issues/11222). A function that
  // fails, by its own timeout too, answers Invoke with a function error before that: 500.
  if (!result) return done(gatewayResponse('serviceUnavailable'));
  if (!result.ok) return done(gatewayResponse('internalServerError'));
  return done(integrationResponse(result.response) ?? gatewayResponse('internalServerError'));
}

/** The authorizer's verdict: a gateway response that ends the request, or the context to pass on. */
async function runAuthorizer(
  deps: RequestHandlerDeps,
  authorizer: LocalAuthorizer,
  routed: RoutedRequest,
  functions: string[],
): Promise<{ denied: HttpResponse } | { context?: Record<string, unknown> }> {
  const identity = identitySourceValues(authorizer.identitySource, routed.parts, routed.routeKey);
  if (!identity) return { denied: gatewayResponse('unauthorized') };
  const authorizeDeps = {
    invoke: deps.invoke,
    cache: deps.cache,
    timeoutMs: deps.authorizerTimeoutMs,
    onInvoke: (label: string) => functions.push(label),
  };
  const outcome = await authorize(authorizeDeps, authorizer, identity, authorizerEvent(deps.api, routed, identity));
  if (outcome.kind === 'allow') return { context: outcome.context };
  const denial = { unauthorized: 'unauthorized', deny: 'forbidden', error: 'internalServerError' } as const;
  return { denied: gatewayResponse(denial[outcome.kind]) };
}

/**
 * The path routing sees. A `$default` stage serves the root; a named stage serves `/<stage>/...`
 * only, and keeps its prefix in `rawPath`. Undefined when the path is outside the stage.
 */
function stagePath(stage: string, rawPath: string): string | undefined {
  if (stage === '$default') return rawPath;
  const prefix = `/${stage}`;
  if (rawPath === prefix) return '/';
  return rawPath.startsWith(`${prefix}/`) ? rawPath.slice(prefix.length) : undefined;
}
