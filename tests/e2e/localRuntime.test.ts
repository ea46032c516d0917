import { existsSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, LocalRuntimeError, start } from '../../local/runtime.ts';
import { producerStore } from '../../shared/auth/producerStore.ts';
import { anEvent } from '../helpers/events.ts';
import { readAllRecords } from '../helpers/kinesisReader.ts';
import { clientsFor, type PostEventsOptions, postEvents } from '../helpers/localPipeline.ts';
import { runCli } from '../helpers/runCli.ts';

const FREE_PORTS = { http: 0, kinesis: 0, dynamodb: 0, s3: 0, sns: 0, lambda: 0 };
let localDir: string;
let runtime: LocalRuntime;
let kinesis: KinesisClient;

const startRuntime = (ports: Record<string, number> = FREE_PORTS) =>
  start({ dataDir: join(localDir, 'data'), endpointsFile: join(localDir, 'endpoints.json'), ports, log: () => {} });

/** The ports a runtime got: a restart in the same process keeps them, since handler modules stay loaded. */
const portsOf = (r: LocalRuntime) => {
  const port = (url: string) => Number(new URL(url).port);
  const { httpApi, kinesis: k, dynamodb, s3, sns } = r.endpoints;
  return { http: port(httpApi), kinesis: port(k), dynamodb: port(dynamodb), s3: port(s3), sns: port(sns) };
};

/** POST /events to the current runtime (it changes on the restart below). */
const post = (body: string | Buffer, options?: PostEventsOptions) => postEvents(runtime.endpoints, body, options);

beforeAll(async () => {
  localDir = await mkdtemp(join(tmpdir(), 'kp-e2e-'));
  // Left by an older version, world-readable: the start must not keep that mode for the token.
  await writeFile(join(localDir, 'endpoints.json'), '{}', { mode: 0o644 });
  runtime = await startRuntime();
  kinesis = clientsFor(runtime.endpoints).kinesis;
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the local pipeline (start())', () => {
  it('serves POST /events over HTTP with the dev token and writes the events to the stream', async () => {
    const events = [anEvent({ id: 'http-1' }), anEvent({ id: 'http-2', subject: 'ünïcode-ключ' })];
    const { status, json } = await post(JSON.stringify(events));
    expect(status).toBe(200);
    const records = await readAllRecords(kinesis, runtime.endpoints.streamName);
    for (const result of json.results) {
      const record = records.find((r) => r.SequenceNumber === result.sequenceNumber);
      const decoded = JSON.parse(Buffer.from(record?.Data ?? []).toString('utf8'));
      expect(decoded.id).toBe(result.id);
      expect(decoded.ingestRequestId).toBe(json.requestId);
    }
  });

  it('writes endpoints.json (it holds the dev token) readable by its owner only', () => {
    expect(statSync(join(localDir, 'endpoints.json')).mode & 0o777).toBe(0o600);
  });

  it('answers 401 for a missing or unknown token, as API Gateway with the authorizer does', async () => {
    expect((await post(JSON.stringify(anEvent()), { token: '' })).status).toBe(401);
    const wrong = await post(JSON.stringify(anEvent()), { token: 'kp_not-a-real-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ message: 'Unauthorized' });
  });

  it('enforces the sources of a token: 207 for a mixed request, 403 when none is allowed', async () => {
    const documents = DynamoDBDocumentClient.from(clientsFor(runtime.endpoints).dynamodb);
    const store = producerStore(documents, runtime.endpoints.tables.ProducersTable as string);
    const { token } = await store.create('web', ['web-frontend']);
    const mixed = await post(JSON.stringify([anEvent({ source: 'web-frontend' }), anEvent({ source: 'billing' })]), {
      token,
    });
    expect(mixed.status).toBe(207);
    expect(mixed.json.results[1].code).toBe('source_not_allowed');
    expect((await post(JSON.stringify([anEvent({ source: 'billing' })]), { token })).status).toBe(403);
  });

  it('accepts gzip NDJSON through the HTTP API (binary body, base64 to the function)', async () => {
    const body = gzipSync([anEvent(), anEvent()].map((e) => JSON.stringify(e)).join('\n'));
    const { status, json } = await post(body, {
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
    });
    expect(status).toBe(200);
    expect(json.accepted).toBe(2);
  });

  it('replays an Idempotency-Key over HTTP and refuses it with another body', async () => {
    const body = JSON.stringify([anEvent({ id: 'idem-http' })]);
    const headers = { 'idempotency-key': 'e2e-key' };
    const first = await post(body, { headers });
    const second = await post(body, { headers });
    expect(second.json).toEqual(first.json);
    expect((await post(JSON.stringify([anEvent()]), { headers })).status).toBe(422);
  });

  it('takes events from `npm run produce` through the HTTP API it finds in endpoints.json', async () => {
    const run = await runCli('produce', ['--count', '300', '--batch', '100'], { KP_LOCAL_DIR: localDir });
    expect(run.stdout).toMatch(/sent 300 events to http:\/\/127\.0\.0\.1:\d+ .*: 300 accepted, 0 rejected, 0 failed/);
    expect(run.code).toBe(0);
  });

  it('keeps the stream, tables and dev token across a restart', async () => {
    const before = await readAllRecords(kinesis, runtime.endpoints.streamName);
    const token = runtime.endpoints.token;
    const ports = portsOf(runtime);
    await runtime.stop();
    runtime = await startRuntime(ports);
    kinesis = clientsFor(runtime.endpoints).kinesis;
    expect(runtime.endpoints.token).toBe(token);
    const after = await readAllRecords(kinesis, runtime.endpoints.streamName);
    expect(after.map((r) => r.SequenceNumber)).toEqual(before.map((r) => r.SequenceNumber));
    expect((await post(JSON.stringify(anEvent()))).status).toBe(200);
  });

  it('refuses a start on other emulator ports in this process, whose handlers keep the first endpoints', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'kp-e2e-other-'));
    const other = start({
      dataDir: join(otherDir, 'data'),
      endpointsFile: join(otherDir, 'endpoints.json'),
      ports: FREE_PORTS,
      log: () => {},
    });
    try {
      await expect(other).rejects.toThrow(LocalRuntimeError);
      await expect(other).rejects.toThrow(/a process can host one local pipeline's endpoints/);
      // Refused before anything started: no emulator data, no endpoints file.
      expect(existsSync(join(otherDir, 'data'))).toBe(false);
      expect(existsSync(join(otherDir, 'endpoints.json'))).toBe(false);
    } finally {
      // Had it started after all (the bug this guards against), it must not outlive the test.
      await other.then(
        (started) => started.stop(),
        () => undefined,
      );
    }
    expect((await post(JSON.stringify(anEvent()))).status).toBe(200);
  });
});
