import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulators } from '../../local/emulators.ts';
import { type LocalEndpoints, writeLocalEndpoints } from '../../local/endpointsFile.ts';

/**
 * The environment of a CLI run as a newcomer's shell has it: no AWS credentials anywhere (so a call
 * that would reach AWS fails at once, before any network), no endpoint variables, no token, and
 * `KP_LOCAL_DIR` pointing where the test put (or did not put) a local pipeline's endpoints.json.
 * Empty values override what the test process has; the CLIs read an empty variable as unset.
 *
 * @example
 * await runCli('token', ['list'], await newcomerEnv(localDir));
 */
export async function newcomerEnv(localDir: string): Promise<Record<string, string>> {
  const nowhere = join(await mkdtemp(join(tmpdir(), 'kp-no-aws-')), 'absent');
  return {
    KP_LOCAL_DIR: localDir,
    KP_TOKEN: '',
    PRODUCERS_TABLE: '',
    KINESIS_ENDPOINT: '',
    DYNAMODB_ENDPOINT: '',
    S3_ENDPOINT: '',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_SHARED_CREDENTIALS_FILE: nowhere,
    AWS_CONFIG_FILE: nowhere,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
    AWS_WEB_IDENTITY_TOKEN_FILE: '',
    AWS_ROLE_ARN: '',
  };
}

/** What a fake HTTP API does with one POST: the events it was sent, and the exchange to answer. */
export type FakeAnswer = (events: unknown[], request: IncomingMessage, response: ServerResponse) => void;

/**
 * An HTTP server on a free port that plays the pipeline's HTTP API for CLI tests: each request's
 * JSON body goes to the current `answer`, which a test replaces.
 *
 * @example
 * const api = await fakeHttpApi();
 * api.answer = (events, _request, response) => answerAccepted(events, response);
 * await api.close();
 */
export async function fakeHttpApi(): Promise<FakeHttpApi> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '[]') as unknown;
      api.answer(Array.isArray(parsed) ? parsed : [parsed], request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const api: FakeHttpApi = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer: (events, _request, response) => answerAccepted(events, response),
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}

export interface FakeHttpApi {
  url: string;
  answer: FakeAnswer;
  close(): Promise<void>;
}

/** Answers a POST /events as the pipeline does when every event was written. */
export function answerAccepted(events: unknown[], response: ServerResponse, status = 200): void {
  const results = events.map((_, index) => ({
    index,
    id: `id-${index}`,
    status: 'accepted',
    sequenceNumber: String(index),
    shardId: 'shardId-000000000000',
  }));
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ requestId: 'fake', accepted: events.length, rejected: 0, failed: 0, results }));
}

/** A port nothing listens on (it was free a moment ago): a pipeline that has stopped. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A local pipeline as the CLIs see it: `<dir>/endpoints.json` as npm start writes it, pointing at
 * these emulators (and at `overrides.httpApi` for the HTTP API). Returns `dir`, for KP_LOCAL_DIR.
 *
 * @example
 * const localDir = await writeEndpointsFile(await mkdtemp(join(tmpdir(), 'kp-')), emulators, { httpApi: api.url });
 */
export async function writeEndpointsFile(
  dir: string,
  emulators: Emulators,
  overrides: Partial<LocalEndpoints> = {},
): Promise<string> {
  const streamName = 'kinesis-pipeline-local-events';
  await writeLocalEndpoints(
    {
      httpApi: 'http://127.0.0.1:1',
      kinesis: emulators.endpoints.kinesis,
      dynamodb: emulators.endpoints.dynamodb,
      s3: emulators.endpoints.s3,
      sns: emulators.endpoints.sns,
      snsSinkDir: emulators.snsSinkDir,
      region: emulators.region,
      streamName,
      streamArn: `arn:aws:kinesis:${emulators.region}:000000000000:stream/${streamName}`,
      token: 'kp_local-dev-token',
      tables: { ProducersTable: 'kinesis-pipeline-local-producers' },
      buckets: {},
      topics: {},
      lambda: '',
      functions: {},
      ...overrides,
    },
    join(dir, 'endpoints.json'),
  );
  return dir;
}
