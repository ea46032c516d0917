import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { authorizerCache } from '../../local/httpApi/authorizerCache.ts';
import { bearerToken } from '../../shared/auth/tokens.ts';

const TTL_SECONDS = 60;
const allow = (producer: string) => ({ isAuthorized: true as const, context: { producer } });
const deny = { isAuthorized: false as const };

describe('the authorizer result cache: timing', () => {
  it('serves a decision for exactly resultTtlSeconds, not a millisecond longer', () => {
    let now = 1_000_000;
    const cache = authorizerCache(() => now);
    cache.set('producerAuthorizer', ['Bearer kp_a'], allow('a'), TTL_SECONDS);
    now += TTL_SECONDS * 1000 - 1;
    expect(cache.get('producerAuthorizer', ['Bearer kp_a'])).toEqual(allow('a'));
    now += 1;
    expect(cache.get('producerAuthorizer', ['Bearer kp_a'])).toBeUndefined();
    // Expired means gone: going back in time (a clock step) does not bring it back.
    now -= 1;
    expect(cache.get('producerAuthorizer', ['Bearer kp_a'])).toBeUndefined();
  });

  it('counts the TTL from when the decision was made, not from the last hit (no sliding expiry)', () => {
    let now = 0;
    const cache = authorizerCache(() => now);
    cache.set('producerAuthorizer', ['Bearer kp_a'], allow('a'), TTL_SECONDS);
    for (let second = 10; second < TTL_SECONDS; second += 10) {
      now = second * 1000;
      expect(cache.get('producerAuthorizer', ['Bearer kp_a'])).toEqual(allow('a'));
    }
    now = TTL_SECONDS * 1000;
    expect(cache.get('producerAuthorizer', ['Bearer kp_a'])).toBeUndefined();
  });

  it('caches nothing with a TTL of 0', () => {
    const cache = authorizerCache(() => 0);
    cache.set('producerAuthorizer', ['Bearer kp_a'], allow('a'), 0);
    expect(cache.get('producerAuthorizer', ['Bearer kp_a'])).toBeUndefined();
  });
});

describe('the authorizer result cache: keys', () => {
  const token = 'kp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde';
  const cached = () => {
    const cache = authorizerCache(() => 0);
    cache.set('producerAuthorizer', [`Bearer ${token}`], allow('a'), TTL_SECONDS);
    return cache;
  };

  it.each([
    ['the last character changed', `Bearer ${token.slice(0, -1)}f`],
    ['a character appended', `Bearer ${token}x`],
    ['the last character dropped', `Bearer ${token.slice(0, -1)}`],
    ['the token in other case', `Bearer ${token.toUpperCase()}`],
    ['the scheme in lower case', `bearer ${token}`],
    ['the scheme in upper case', `BEARER ${token}`],
    ['two spaces after the scheme', `Bearer  ${token}`],
    ['a trailing space', `Bearer ${token} `],
    ['the token alone', token],
  ])('misses for %s: the key is the whole Authorization header', (_name, authorization) => {
    expect(cached().get('producerAuthorizer', [authorization])).toBeUndefined();
  });

  it('keeps authorizers apart, and identity lists that join to the same text', () => {
    const cache = authorizerCache(() => 0);
    cache.set('producerAuthorizer', ['a', 'b'], allow('two values'), TTL_SECONDS);
    expect(cache.get('otherAuthorizer', ['a', 'b'])).toBeUndefined();
    expect(cache.get('producerAuthorizer', ['a,b'])).toBeUndefined();
    expect(cache.get('producerAuthorizer', ['a","b'])).toBeUndefined();
    expect(cache.get('producerAuthorizer', ['ab'])).toBeUndefined();
  });

  it('never turns a cached denial into an allow, for that header or a neighbour', () => {
    const cache = authorizerCache(() => 0);
    cache.set('producerAuthorizer', ['Bearer kp_denied'], deny, TTL_SECONDS);
    cache.set('producerAuthorizer', ['Bearer kp_allowed'], allow('a'), TTL_SECONDS);
    expect(cache.get('producerAuthorizer', ['Bearer kp_denied'])).toEqual(deny);
    expect(cache.get('producerAuthorizer', ['Bearer kp_allowed'])).toEqual(allow('a'));
  });

  it('still reads the token out of every variant the cache keeps apart (each is a valid header)', () => {
    for (const header of [`bearer ${token}`, `BEARER ${token}`, `Bearer  ${token}`, `Bearer ${token} `]) {
      expect(bearerToken(header)).toBe(token);
    }
  });
});

// The authorizer never compares a presented token with a stored one: it hashes it and asks
// DynamoDB for the item with that key (tests/integration/authorizerSecurity.test.ts records the
// request). This keeps it that way: an `===` or `startsWith` on a token in the code that checks
// tokens would return early on the first differing character, and leak how much of a guess was right.

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** The code that handles presented tokens: the authorizer and the shared auth module. */
const tokenCheckingDirs = ['functions/authorizer', 'shared/auth'];
const comparisonOperators = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.GreaterThanToken,
]);
const comparingMethods = new Set([
  'startsWith',
  'endsWith',
  'includes',
  'indexOf',
  'localeCompare',
  'compare',
  'equals',
]);
const mentionsSecret = (node: ts.Node, source: ts.SourceFile) => /token|secret/i.test(node.getText(source));

/** Every place where source code compares something that names a token or secret, with its line. */
function secretComparisons(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node) => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push(`${fileName}:${line + 1}: ${node.getText(source)}`);
  };
  const visit = (node: ts.Node) => {
    if (ts.isBinaryExpression(node) && comparisonOperators.has(node.operatorToken.kind)) {
      const operands = [node.left, node.right];
      // `token === undefined` compares with a literal, not with a secret.
      const literal = operands.some(
        (operand) =>
          ts.isLiteralExpression(operand) ||
          operand.kind === ts.SyntaxKind.NullKeyword ||
          (ts.isIdentifier(operand) && operand.text === 'undefined'),
      );
      if (!literal && operands.some((operand) => mentionsSecret(operand, source))) report(node);
    }
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      comparingMethods.has(node.expression.name.text) &&
      [node.expression.expression, ...node.arguments].some((part) => mentionsSecret(part, source))
    ) {
      report(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('comparison of secrets', () => {
  it('finds an early-return comparison of a token where there is one (the check can fail)', () => {
    const planted = [
      'export const ok = (token: string, stored: string) => token === stored;',
      'export const prefix = (stored: { tokenHash: string }, h: string) => stored.tokenHash.startsWith(h);',
      'export const fine = (token?: string) => token === undefined;',
      'export const safe = (a: Buffer, token: Buffer) => timingSafeEqual(a, token);',
    ].join('\n');
    expect(secretComparisons('planted.ts', planted)).toEqual([
      'planted.ts:1: token === stored',
      'planted.ts:2: stored.tokenHash.startsWith(h)',
    ]);
  });

  it('compares no token with === or a string method in the authorizer or shared/auth', () => {
    const files = tokenCheckingDirs.flatMap((dir) =>
      readdirSync(join(repoRoot, dir))
        .filter((name) => name.endsWith('.ts'))
        .map((name) => join(dir, name)),
    );
    expect(files).toEqual(expect.arrayContaining(['functions/authorizer/authorize.ts', 'shared/auth/tokens.ts']));
    const found = files.flatMap((file) => secretComparisons(file, readFileSync(join(repoRoot, file), 'utf8')));
    expect(found).toEqual([]);
  });
});
