import { createHash, randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalAuthorizer } from '../../local/app/model.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { type HttpApi, startHttpApi } from '../../local/httpApi/httpApi.ts';
import type { Invoke } from '../../local/lambda/types.ts';
import type { DocumentSender, ProducerStore } from '../../shared/auth/producerStore.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';
import { createTable } from '../helpers/resources.ts';

// Security properties of producer tokens against the real pieces: the producer store on dynalite,
// the authorizer handler as deployed, and the local HTTP API's authorizer result cache on a clock
// the test moves. tests/template/stack.test.ts checks serverless.yml caches for the same 60 s.

const TABLE = 'producers-security-it';
/** `resultTtlInSeconds` of the producer authorizer in serverless.yml. */
const RESULT_TTL_SECONDS = 60;

type AuthorizerHandler = (event: unknown, context: unknown) => Promise<unknown>;

let emulators: Emulators;
let store: ProducerStore;
let authorizerHandler: AuthorizerHandler;
let rawItems: () => Promise<Record<string, AttributeValue>[]>;
let documentClient: DocumentSender;
let producerStoreOf: (client: DocumentSender) => ProducerStore;
/** Everything written to stdout and stderr (Powertools logs straight to stdout). */
const logged: string[] = [];

/** SHA-256 in hex, computed here rather than through shared/auth so the test checks the store's choice. */
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

beforeAll(async () => {
  emulators = await startEmulators();
  // DEBUG before the logger module loads (each invocation resets the logger to this level): if
  // anything logs a token, the log test sees it. The output is captured, not shown.
  Object.assign(process.env, emulators.env, { PRODUCERS_TABLE: TABLE, POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
      logged.push(String(chunk));
      return true;
    });
  }
  const clients = await import('../../shared/aws/clients.ts');
  const { ScanCommand } = await import('@aws-sdk/client-dynamodb');
  const { producerStore } = await import('../../shared/auth/producerStore.ts');
  await createTable(clients.dynamoDbClient(), TABLE, 'tokenHash');
  documentClient = clients.dynamoDbDocumentClient();
  producerStoreOf = (client) => producerStore(client, TABLE);
  store = producerStoreOf(documentClient);
  // The low-level client: every attribute as DynamoDB holds it, no unmarshalling in between.
  rawItems = async () => (await clients.dynamoDbClient().send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
  authorizerHandler = (await import('../../functions/authorizer/handler.ts')).handler as unknown as AuthorizerHandler;
});

afterAll(async () => {
  vi.restoreAllMocks();
  await emulators?.stop();
});

/** Every string an attribute value holds, nested maps, lists and sets included; binaries as base64 and as text. */
function stringsIn(value: AttributeValue): string[] {
  if (value.S !== undefined) return [value.S];
  if (value.N !== undefined) return [value.N];
  if (value.B !== undefined) return [Buffer.from(value.B).toString('base64'), Buffer.from(value.B).toString('utf8')];
  if (value.SS) return value.SS;
  if (value.NS) return value.NS;
  if (value.BS) return value.BS.flatMap((b) => stringsIn({ B: b }));
  if (value.L) return value.L.flatMap(stringsIn);
  if (value.M) return Object.entries(value.M).flatMap(([name, nested]) => [name, ...stringsIn(nested)]);
  return [];
}

describe('producer tokens at rest', () => {
  it('leaves no plaintext token in any attribute of the producers table, only its SHA-256', async () => {
    const created = await Promise.all([
      store.create('web', ['web-frontend']),
      store.create('web', ['web-frontend']),
      store.create('mobile', ['*']),
    ]);
    const items = await rawItems();
    expect(items).toHaveLength(3);
    const everything = items.flatMap((item) => Object.entries(item).flatMap(([name, v]) => [name, ...stringsIn(v)]));
    for (const { token } of created) {
      const secret = token.slice('kp_'.length);
      for (const text of everything) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(Buffer.from(secret, 'base64url').toString('hex'));
      }
      const item = items.find((candidate) => candidate.tokenHash?.S === sha256Hex(token));
      expect(item, 'the item is keyed by the SHA-256 of the token').toBeDefined();
    }
    // A new attribute is a new place a secret could end up: it has to be added here on purpose.
    for (const item of items)
      expect(Object.keys(item).sort()).toEqual(['createdAt', 'producer', 'sources', 'tokenHash']);
  });

  it('looks a token up by its hash: the raw token never leaves the authorizer, so nothing compares it', async () => {
    const { token } = await store.create('lookup', ['a']);
    const sent: unknown[] = [];
    const recording = producerStoreOf({
      send: (command: { input: unknown }) => {
        sent.push(command.input);
        return documentClient.send(command);
      },
    });
    expect((await recording.findByToken(token))?.producer).toBe('lookup');
    expect(await recording.findByToken(`${token.slice(0, -1)}x`)).toBeUndefined();
    // One point read per lookup, keyed by the hash: DynamoDB matches hashes, never the secret.
    expect(sent).toEqual([
      { TableName: TABLE, Key: { tokenHash: sha256Hex(token) } },
      { TableName: TABLE, Key: { tokenHash: sha256Hex(`${token.slice(0, -1)}x`) } },
    ]);
    expect(JSON.stringify(sent)).not.toContain(token.slice(3));
  });

  it('writes no token to the logs when the authorizer accepts or refuses one, even at DEBUG', async () => {
    const { token } = await store.create('logged', ['a']);
    const unknown = `kp_${randomUUID()}`;
    const authorize = (authorization: string) =>
      authorizerHandler(
        { type: 'REQUEST', headers: { authorization }, requestContext: { requestId: randomUUID() } },
        lambdaContext('authorizer'),
      );
    logged.length = 0;
    await expect(authorize(`Bearer ${token}`)).resolves.toMatchObject({ isAuthorized: true });
    await expect(authorize(`Bearer ${unknown}`)).rejects.toThrow(/^Unauthorized$/);
    // The refusal is logged (so the capture works), without the token it refused.
    expect(logged.join('')).toContain('request refused');
    expect(logged.join('')).not.toContain(token.slice(3));
    expect(logged.join('')).not.toContain(unknown.slice(3));
  });
});

describe('the authorizer result cache, with the real authorizer behind the local HTTP API', () => {
  type IngestEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>>;
  const running: HttpApi[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((api) => api.close()));
  });

  /** The HTTP API with the real authorizer; ingest answers with the producer the authorizer passed on. */
  async function startApi() {
    let now = Date.UTC(2026, 0, 1);
    let authorizerInvocations = 0;
    const invoke: Invoke = async (id, event) => {
      const requestId = randomUUID();
      if (id === 'IngestLambdaFunction') {
        const producer = (event as IngestEvent).requestContext.authorizer.lambda.producer;
        return { ok: true, response: { statusCode: 200, body: String(producer) }, durationMs: 0, requestId };
      }
      authorizerInvocations += 1;
      try {
        return { ok: true, response: await authorizerHandler(event, lambdaContext(id)), durationMs: 0, requestId };
      } catch (thrown) {
        const error = thrown as Error;
        return {
          ok: false,
          error: { errorType: error.name, errorMessage: error.message, timedOut: false },
          durationMs: 0,
          requestId,
        };
      }
    };
    const authorizer: LocalAuthorizer = {
      name: 'producerAuthorizer',
      functionLogicalId: 'AuthorizerLambdaFunction',
      identitySource: ['$request.header.Authorization'],
      enableSimpleResponses: true,
      payloadFormatVersion: '2.0',
      resultTtlSeconds: RESULT_TTL_SECONDS,
    };
    const api = await startHttpApi({
      routes: [
        {
          routeKey: 'POST /events',
          functionLogicalId: 'IngestLambdaFunction',
          payloadFormatVersion: '2.0',
          authorizer,
        },
      ],
      invoke,
      now: () => now,
    });
    running.push(api);
    /** Status and the producer ingest was told about (empty when refused). */
    const post = async (authorization: string) => {
      const response = await fetch(`${api.url}/events`, { method: 'POST', headers: { authorization }, body: '[]' });
      return { status: response.status, producer: response.status === 200 ? await response.text() : '' };
    };
    return {
      post,
      advance: (ms: number) => {
        now += ms;
      },
      invocations: () => authorizerInvocations,
    };
  }

  it('keeps a revoked token working only until the cached result expires, then refuses it', async () => {
    const { token } = await store.create('revoked-later', ['a']);
    const api = await startApi();
    expect(await api.post(`Bearer ${token}`)).toEqual({ status: 200, producer: 'revoked-later' });
    // Variants of the header are other cache entries, each evaluated (and cached) on its own.
    expect(await api.post(`bearer ${token}`)).toEqual({ status: 200, producer: 'revoked-later' });
    expect(api.invocations()).toBe(2);

    await store.revoke('revoked-later');
    // Expected and documented: within the TTL the cached allow still serves.
    expect((await api.post(`Bearer ${token}`)).status).toBe(200);
    api.advance(RESULT_TTL_SECONDS * 1000 - 1);
    expect((await api.post(`bearer ${token}`)).status).toBe(200);
    expect(api.invocations()).toBe(2);
    // A header variant not cached before the revocation is looked up afresh: refused at once.
    expect((await api.post(`Bearer  ${token}`)).status).toBe(401);

    api.advance(1);
    expect(await api.post(`Bearer ${token}`)).toEqual({ status: 401, producer: '' });
    expect(await api.post(`bearer ${token}`)).toEqual({ status: 401, producer: '' });
    expect(api.invocations()).toBe(5);
  });

  it("never serves a token another token's cached result: one character or the scheme's case makes another key", async () => {
    const a = (await store.create('producer-a', ['a'])).token;
    const b = (await store.create('producer-b', ['b'])).token;
    const api = await startApi();
    expect(await api.post(`Bearer ${a}`)).toEqual({ status: 200, producer: 'producer-a' });

    const lastChar = a.at(-1) === 'A' ? 'B' : 'A';
    const forged = [`${a.slice(0, -1)}${lastChar}`, `${a}x`, a.slice(0, -1), a.toUpperCase()];
    for (const variant of forged)
      expect(await api.post(`Bearer ${variant}`), variant).toEqual({ status: 401, producer: '' });
    expect(await api.post(`Bearer ${b}`)).toEqual({ status: 200, producer: 'producer-b' });
    expect(await api.post(`BEARER ${b}`)).toEqual({ status: 200, producer: 'producer-b' });
    // Every one of them was looked up: none hit the cached allow of token a.
    expect(api.invocations()).toBe(1 + forged.length + 2);
  });

  it('never turns a refusal into an allow: a refused token stays refused, whatever was cached in between', async () => {
    const api = await startApi();
    const unknown = `kp_${createHash('sha256').update(randomUUID()).digest('base64url')}`;
    expect((await api.post(`Bearer ${unknown}`)).status).toBe(401);
    const { token } = await store.create('in-between', ['a']);
    expect((await api.post(`Bearer ${token}`)).status).toBe(200);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(await api.post(`Bearer ${unknown}`)).toEqual({ status: 401, producer: '' });
      api.advance(RESULT_TTL_SECONDS * 1000);
    }
    // 401 is not cached (API Gateway caches decisions, not failures): each replay is checked again.
    expect(api.invocations()).toBe(5);
  });
});
