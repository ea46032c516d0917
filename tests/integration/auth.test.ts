import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import type { ProducerStore } from '../../shared/auth/producerStore.ts';
import { tokenHash } from '../../shared/auth/tokens.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';
import { createTable } from '../helpers/resources.ts';
import { runCli } from '../helpers/runCli.ts';

const TABLE = 'producers-it';
let emulators: Emulators;
let store: ProducerStore;
let scanTable: () => Promise<Record<string, unknown>[]>;
let authorizer: (
  event: unknown,
  context: unknown,
) => Promise<{ isAuthorized: boolean; context: Record<string, string> }>;

const authorize = (authorization?: string) =>
  authorizer(
    { type: 'REQUEST', headers: authorization ? { authorization } : {}, requestContext: { requestId: 'r' } },
    lambdaContext('authorizer'),
  );

beforeAll(async () => {
  emulators = await startEmulators();
  Object.assign(process.env, emulators.env, { PRODUCERS_TABLE: TABLE });
  const clients = await import('../../shared/aws/clients.ts');
  const { producerStore } = await import('../../shared/auth/producerStore.ts');
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  await createTable(clients.dynamoDbClient(), TABLE, 'tokenHash');
  store = producerStore(clients.dynamoDbDocumentClient(), TABLE);
  scanTable = async () =>
    (await clients.dynamoDbDocumentClient().send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
  authorizer = (await import('../../functions/authorizer/handler.ts')).handler as unknown as typeof authorizer;
});

afterAll(async () => {
  await emulators?.stop();
});

describe('producer tokens in the local DynamoDB', () => {
  it('stores only the SHA-256 of a token, never the token', async () => {
    const { token } = await store.create('mobile', ['mobile-app']);
    const items = await scanTable();
    const item = items.find((i) => i.producer === 'mobile');
    expect(item?.tokenHash).toBe(tokenHash(token));
    expect(JSON.stringify(items)).not.toContain(token);
  });

  it('authorizes a live token through the authorizer handler, and refuses it once revoked', async () => {
    const { token } = await store.create('web', ['web-frontend', 'docs-site']);
    const result = await authorize(`Bearer ${token}`);
    expect(result).toEqual({
      isAuthorized: true,
      context: { producer: 'web', sources: '["web-frontend","docs-site"]' },
    });
    expect(await store.revoke('web')).toBe(1);
    await expect(authorize(`Bearer ${token}`)).rejects.toThrow(/^Unauthorized$/);
    await expect(authorize()).rejects.toThrow(/^Unauthorized$/);
  });

  it('still flushes its metrics when it refuses a token (the whole middleware stack unwinds)', async () => {
    const { metrics } = await import('../../shared/observability/powertools.ts');
    await expect(authorize('Bearer kp_unknown')).rejects.toThrow(/^Unauthorized$/);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it('manages tokens with `npm run token` (create shows the token once, list, revoke)', async () => {
    const env = { ...emulators.env, PRODUCERS_TABLE: TABLE };
    const created = await runCli('token', ['create', 'cli-producer', '--sources', 'a, b'], env);
    expect(created.code).toBe(0);
    const token = /kp_[A-Za-z0-9_-]{43}/.exec(created.stdout)?.[0];
    expect(token).toBeDefined();
    expect((await store.findByToken(token as string))?.sources).toEqual(['a', 'b']);

    const listed = await runCli('token', ['list'], env);
    expect(listed.stdout).toContain('cli-producer\tsources=a,b');
    expect(listed.stdout).not.toContain(token);

    const revoked = await runCli('token', ['revoke', 'cli-producer'], env);
    expect(revoked.stdout).toContain('revoked 1 token(s) of cli-producer');
    expect(await store.findByToken(token as string)).toBeUndefined();

    expect((await runCli('token', ['create', 'nobody'], env)).code).toBe(2);
    expect((await runCli('token', ['revoke', 'nobody'], env)).code).toBe(1);
  });
});
