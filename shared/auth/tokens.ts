import { createHash, randomBytes } from 'node:crypto';
import { UnauthorizedError } from '../errors.ts';

const TOKEN_PREFIX = 'kp_';

/** A new producer token: 256 random bits, prefixed so leaked tokens are easy to grep for. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** What the producers table stores instead of the token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  if (!match?.[1]) throw new UnauthorizedError('missing bearer token');
  return match[1];
}

/** True when a producer allowed `sources` may send an event with this `source` (`*` allows any). */
export function isSourceAllowed(sources: readonly string[], source: string): boolean {
  return sources.includes(source) || sources.includes('*');
}
