import type { LocalAuthorizer } from '../app/model.ts';
import { isRecord } from '../isRecord.ts';
import type { Invoke, InvokeResult } from '../lambda/types.ts';
import type { AuthorizerCache, AuthorizerDecision } from './authorizerCache.ts';
import { HttpApiConfigError } from './errors.ts';
import { invokeWithin } from './invokeWithin.ts';
import { ownValue, type RequestParts } from './requestParts.ts';

/**
 * Lambda request authorizers of HTTP APIs, payload format 2.0 with simple responses. Outcomes as
 * API Gateway maps them: an identity source missing or empty is 401 without invoking; the function
 * failing with the message `Unauthorized` is 401; `isAuthorized: false` is 403; a failed invoke,
 * any other function error or a malformed response is 500.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 */

export type AuthorizerOutcome =
  | { kind: 'allow'; context: Record<string, unknown> }
  | { kind: 'deny' }
  | { kind: 'unauthorized' }
  | { kind: 'error' };

/**
 * "Timeout for Lambda authorizer response: 10000 ms"; API Gateway then cannot use the authorizer,
 * which is a 500 like any other authorizer it cannot invoke.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
 */
export const AUTHORIZER_TIMEOUT_MS = 10_000;

/**
 * Checks, before the API listens, that the authorizer is one this emulation reproduces faithfully.
 *
 * @example
 * assertSupportedAuthorizer(route.authorizer); // throws HttpApiConfigError for an IAM-policy authorizer
 */
export function assertSupportedAuthorizer(authorizer: LocalAuthorizer): void {
  const unsupported = (what: string) => new HttpApiConfigError(`authorizer "${authorizer.name}": ${what}`);
  if (authorizer.payloadFormatVersion !== '2.0') throw unsupported('only payload format 2.0 is emulated');
  if (!authorizer.enableSimpleResponses) throw unsupported('only simple responses are emulated, not IAM policies');
  for (const source of authorizer.identitySource) {
    if (!/^\$request\.(header|querystring)\.[^.]+$/.test(source) && source !== '$context.routeKey') {
      throw unsupported(`identity source "${source}" is not emulated`);
    }
  }
  // AWS refuses the same configuration: a cache needs a key.
  if (authorizer.resultTtlSeconds > 0 && authorizer.identitySource.length === 0) {
    throw unsupported('caching (resultTtlSeconds > 0) needs at least one identity source');
  }
}

/**
 * The identity source values in order, or undefined when one is missing or empty (answer 401).
 * Header names match case-insensitively, query parameter names case-sensitively.
 *
 * @example
 * identitySourceValues(['$request.header.Authorization'], parts, 'POST /events'); // ['Bearer kp_...']
 */
export function identitySourceValues(
  identitySource: readonly string[],
  parts: Pick<RequestParts, 'headers' | 'queryStringParameters'>,
  routeKey: string,
): string[] | undefined {
  const values: string[] = [];
  for (const source of identitySource) {
    const [, kind, name = ''] = /^\$request\.(header|querystring)\.(.+)$/.exec(source) ?? [];
    let value: string | undefined;
    if (kind === 'header') value = ownValue(parts.headers, name.toLowerCase());
    else if (kind === 'querystring') value = ownValue(parts.queryStringParameters, name);
    else if (source === '$context.routeKey') value = routeKey;
    if (!value) return undefined;
    values.push(value);
  }
  return values;
}

export interface AuthorizeDeps {
  invoke: Invoke;
  cache: AuthorizerCache;
  timeoutMs: number;
  /** Told which function ran (`(cached)` appended on a hit), for the request's log line. */
  onInvoke: (label: string) => void;
}

/**
 * Runs the authorizer for one request: a cached decision within its TTL, else an invoke.
 *
 * @example
 * const outcome = await authorize(deps, route.authorizer, identity, authorizerEvent);
 * if (outcome.kind === 'allow') integrationEvent.requestContext.authorizer = { lambda: outcome.context };
 */
export async function authorize(
  deps: AuthorizeDeps,
  authorizer: LocalAuthorizer,
  identity: readonly string[],
  event: unknown,
): Promise<AuthorizerOutcome> {
  const cached = deps.cache.get(authorizer.name, identity);
  if (cached) {
    deps.onInvoke(`${authorizer.functionLogicalId}(cached)`);
    return outcomeOf(cached);
  }
  deps.onInvoke(authorizer.functionLogicalId);
  const result = await invokeWithin(deps.invoke, authorizer.functionLogicalId, event, deps.timeoutMs);
  const decision = decisionOf(result);
  if (decision === 'unauthorized' || decision === 'error') return { kind: decision };
  deps.cache.set(authorizer.name, identity, decision, authorizer.resultTtlSeconds);
  return outcomeOf(decision);
}

function decisionOf(result: InvokeResult | undefined): AuthorizerDecision | 'unauthorized' | 'error' {
  if (!result) return 'error';
  if (!result.ok) return result.error.errorMessage === 'Unauthorized' ? 'unauthorized' : 'error';
  const response = result.response;
  if (!isRecord(response) || typeof response.isAuthorized !== 'boolean') return 'error';
  if (!response.isAuthorized) return { isAuthorized: false };
  const context = response.context ?? {};
  return isRecord(context) ? { isAuthorized: true, context } : 'error';
}

function outcomeOf(decision: AuthorizerDecision): AuthorizerOutcome {
  return decision.isAuthorized ? { kind: 'allow', context: decision.context } : { kind: 'deny' };
}
