import { describe, expect, it } from 'vitest';
import { authorize } from '../../functions/authorizer/authorize.ts';
import { fromAuthorizerContext, toAuthorizerContext } from '../../shared/auth/authorizerContext.ts';
import type { ProducerRecord } from '../../shared/auth/producerStore.ts';
import { bearerToken, generateToken, isSourceAllowed, tokenHash } from '../../shared/auth/tokens.ts';
import { UnauthorizedError } from '../../shared/errors.ts';
import { authorizerFailure, errorResponse } from '../../shared/http/errorResponse.ts';

const token = generateToken();
const known: ProducerRecord = {
  tokenHash: tokenHash(token),
  producer: 'web',
  sources: ['web,frontend'],
  createdAt: '',
};
const store = {
  findByToken: async (t: string) => (tokenHash(t) === known.tokenHash ? known : undefined),
};

describe('authorizer', () => {
  it('authorizes a known token and passes the producer and its sources to ingest', async () => {
    const result = await authorize({ headers: { authorization: `Bearer ${token}` } }, store);
    expect(result.isAuthorized).toBe(true);
    expect(fromAuthorizerContext(result.context)).toEqual({ producer: 'web', sources: ['web,frontend'] });
  });

  it.each([
    ['a missing header', undefined],
    ['an empty header', ''],
    ['another scheme', `Basic ${token}`],
    ['a bare token', token],
    ['an unknown token', `Bearer ${generateToken()}`],
  ])('refuses %s with Unauthorized, which API Gateway turns into 401', async (_name, authorization) => {
    const attempt = authorize({ headers: authorization === undefined ? {} : { authorization } }, store);
    await expect(attempt).rejects.toThrow(UnauthorizedError);
    const thrown = await attempt.catch((error) => error);
    expect(() => authorizerFailure(thrown)).toThrow(/^Unauthorized$/);
  });

  it('lets any other authorizer failure surface as an error (API Gateway: 500)', () => {
    expect(() => authorizerFailure(new Error('DynamoDB down'))).toThrow('DynamoDB down');
  });
});

describe('tokens', () => {
  it('are long, random and stored only as a SHA-256 hash', () => {
    const a = generateToken();
    expect(a).toMatch(/^kp_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(generateToken());
    expect(tokenHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash(a)).not.toContain(a.slice(3));
  });

  it('reads bearer tokens case-insensitively', () => {
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(() => bearerToken('Bearer a b')).toThrow(UnauthorizedError);
  });

  it('allows exactly the listed sources, or any with *', () => {
    expect(isSourceAllowed(['a', 'b'], 'b')).toBe(true);
    expect(isSourceAllowed(['a'], 'ab')).toBe(false);
    expect(isSourceAllowed(['*'], 'anything')).toBe(true);
  });

  it('refuses a request that reached ingest without an authorized producer (401)', () => {
    expect(() => fromAuthorizerContext(undefined)).toThrow(UnauthorizedError);
    expect(() => fromAuthorizerContext({ producer: 'x', sources: '{"a":1}' })).toThrow(UnauthorizedError);
    expect(() => fromAuthorizerContext({ producer: 'x', sources: 'not json' })).toThrow(UnauthorizedError);
    expect(errorResponse(new UnauthorizedError('no')).statusCode).toBe(401);
    expect(toAuthorizerContext({ producer: 'p', sources: ['a'] })).toEqual({ producer: 'p', sources: '["a"]' });
  });
});
