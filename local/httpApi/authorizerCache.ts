/**
 * Authorizer results kept for `resultTtlSeconds`, keyed by the authorizer and its identity source
 * values, as API Gateway caches them: a hit serves every route that uses the authorizer.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html#http-api-lambda-authorizer.caching
 */

/** A decision worth caching: only authorized or denied results are, never errors. */
export type AuthorizerDecision = { isAuthorized: true; context: Record<string, unknown> } | { isAuthorized: false };

export interface AuthorizerCache {
  get(authorizerName: string, identity: readonly string[]): AuthorizerDecision | undefined;
  set(authorizerName: string, identity: readonly string[], decision: AuthorizerDecision, ttlSeconds: number): void;
}

/** Above this many entries, expired ones are swept on the next write. */
const SWEEP_ABOVE = 1_000;

/**
 * An in-memory cache on an injectable clock.
 *
 * @example
 * const cache = authorizerCache(Date.now);
 * cache.set('producerAuthorizer', ['Bearer kp_1'], { isAuthorized: false }, 60);
 * cache.get('producerAuthorizer', ['Bearer kp_1']); // { isAuthorized: false }, for 60 s
 */
export function authorizerCache(now: () => number): AuthorizerCache {
  const entries = new Map<string, { decision: AuthorizerDecision; expiresAt: number }>();
  const keyOf = (authorizerName: string, identity: readonly string[]) => JSON.stringify([authorizerName, ...identity]);
  return {
    get(authorizerName, identity) {
      const key = keyOf(authorizerName, identity);
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt > now()) return entry.decision;
      entries.delete(key);
      return undefined;
    },
    set(authorizerName, identity, decision, ttlSeconds) {
      if (ttlSeconds <= 0) return;
      if (entries.size > SWEEP_ABOVE) {
        for (const [key, entry] of entries) if (entry.expiresAt <= now()) entries.delete(key);
      }
      entries.set(keyOf(authorizerName, identity), { decision, expiresAt: now() + ttlSeconds * 1000 });
    },
  };
}
