import { expiredNextToken, invalidArgument } from './errors.ts';

/**
 * NextToken values: opaque base64url strings that carry the listing, what it lists, the position
 * (the last item returned) and the issue time. They expire like AWS's (ListShards: 300 s).
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListShards.html
 */
export const NEXT_TOKEN_LIFETIME_MS = 300_000;

export interface PageToken {
  /** Which listing issued it ('shards', 'streams', 'consumers'). */
  kind: string;
  /** What is listed (stream name + creation), so a token is not reused on another stream. */
  scope: string;
  /** The last item returned. */
  after: string;
  issuedMs: number;
  /** ListShards: the ShardFilter the first page was asked with (it applies to every page). */
  filter?: { type: string; shardId?: string; timestampMs?: number };
}

/** @example encodePageToken({ kind: 'shards', scope: 's@1', after: 'shardId-000000000001', issuedMs: 0 }) */
export function encodePageToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

/**
 * Decodes a token of `kind`; a token of another kind or scope, or garbage, is InvalidArgument, an
 * old one ExpiredNextTokenException.
 */
export function decodePageToken(text: string, kind: string, now: number, scope?: string): PageToken {
  let token: PageToken;
  try {
    token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as PageToken;
  } catch {
    throw invalidArgument(`Invalid NextToken: ${text}`);
  }
  if (
    typeof token !== 'object' ||
    token === null ||
    token.kind !== kind ||
    typeof token.after !== 'string' ||
    typeof token.issuedMs !== 'number' ||
    (scope !== undefined && token.scope !== scope)
  ) {
    throw invalidArgument(`Invalid NextToken: ${text}`);
  }
  if (now - token.issuedMs > NEXT_TOKEN_LIFETIME_MS) throw expiredNextToken(`NextToken has expired: ${text}`);
  return token;
}
