import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type LocalRuntime, type LocalRuntimeOptions, start } from '../local/runtime.ts';

/**
 * Shard poll interval of every event source mapping in the benchmarks: `npm start`'s default, like
 * AWS's (about 1 s). It bounds only polled mappings: the three consumers read through enhanced
 * fan-out, which the engine pushes.
 */
export const BENCH_POLL_INTERVAL_MS = 1_000;

/** One invoke of a consumer, as the local event source mapping logged it. */
export interface Invocation {
  /** `archive`, `aggregate` or `alert`: the function name without the service and stage. */
  consumer: string;
  batchSize: number;
  durationMs: number;
  outcome: string;
  /** performance.now() when the line was logged, i.e. when the invoke ended. */
  endedAt: number;
}

/** One request the local HTTP API answered. */
export interface HttpRequestLine {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** performance.now() when the line was logged, i.e. when the response went out. */
  at: number;
}

export interface BenchPipeline {
  runtime: LocalRuntime;
  /** Its data folder, holding the mappings' checkpoints.json. */
  dataDir: string;
  /** Every consumer invoke so far, in the order they ended. */
  invocations: Invocation[];
  /** Every HTTP request so far. */
  requests: HttpRequestLine[];
  clients: { kinesis: KinesisClient; documents: DynamoDBDocumentClient; s3: S3Client };
  stop(): Promise<void>;
}

// `kinesis-pipeline-local-archive  shardId-000000000001  batch 100  42 ms  ok` (local/startMappings.ts)
const INVOCATION_LINE = /^\S+-(\w+)\s{2}\S+\s{2}batch (\d+)\s{2}(\d+) ms\s{2}(\w+)/;
// `POST /events 200 12ms ingest authorizer` (local/httpApi/httpApi.ts)
const HTTP_LINE = /^(GET|POST|PUT|DELETE|PATCH|OPTIONS|HEAD) (\S+) (\d{3}) (\d+)ms/;

/**
 * The consumer invoke a runtime log line reports, stamped now; undefined for any other line.
 *
 * @example
 * invocationOf('kinesis-pipeline-local-archive  shardId-000000000001  batch 100  42 ms  ok');
 */
export function invocationOf(line: string): Invocation | undefined {
  const invoke = INVOCATION_LINE.exec(line);
  if (!invoke) return undefined;
  const [, consumer = '', batch = '0', ms = '0', outcome = ''] = invoke;
  return { consumer, batchSize: Number(batch), durationMs: Number(ms), outcome, endedAt: performance.now() };
}

/**
 * The HTTP request a runtime log line reports; undefined for any other line.
 *
 * @example
 * httpRequestOf('POST /events 200 12ms ingest authorizer'); // { method: 'POST', path: '/events', status: 200, ... }
 */
export function httpRequestOf(line: string): HttpRequestLine | undefined {
  const http = HTTP_LINE.exec(line);
  if (!http) return undefined;
  const [, method = '', path = '', status = '0', ms = '0'] = http;
  return { method, path, status: Number(status), durationMs: Number(ms), at: performance.now() };
}

/**
 * The whole local pipeline (`start()` of local/runtime.ts) in a fresh temporary data folder, shards
 * polled every BENCH_POLL_INTERVAL_MS, with the runtime's log lines parsed into consumer invokes
 * and HTTP requests instead of printed. `ports` default to free ones; a second pipeline in the same
 * process must reuse the first one's emulator ports (see `start`).
 *
 * @example
 * const pipeline = await startBenchPipeline();
 * await pipeline.stop();
 */
export async function startBenchPipeline(
  options: Pick<LocalRuntimeOptions, 'ports' | 'extraResources'> = {},
): Promise<BenchPipeline> {
  const localDir = await mkdtemp(join(tmpdir(), 'kp-bench-'));
  const dataDir = join(localDir, 'data');
  const invocations: Invocation[] = [];
  const requests: HttpRequestLine[] = [];
  const runtime = await start({
    dataDir,
    endpointsFile: join(localDir, 'endpoints.json'),
    ports: options.ports ?? { http: 0, kinesis: 0, dynamodb: 0, s3: 0, sns: 0, lambda: 0 },
    pollIntervalMs: BENCH_POLL_INTERVAL_MS,
    ...(options.extraResources ? { extraResources: options.extraResources } : {}),
    log: (line) => {
      const invoke = invocationOf(line);
      if (invoke) invocations.push(invoke);
      const request = httpRequestOf(line);
      if (request) requests.push(request);
    },
  });
  const { endpoints } = runtime;
  const base = { region: endpoints.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const clients = {
    // HTTP/1.1, as the functions' own clients and the other Kinesis benchmarks use (bench/kinesisLoad.ts);
    // the SDK would default to HTTP/2 for Kinesis.
    kinesis: new KinesisClient({ ...base, endpoint: endpoints.kinesis, requestHandler: new NodeHttpHandler() }),
    documents: DynamoDBDocumentClient.from(new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb })),
    s3: new S3Client({ ...base, endpoint: endpoints.s3, forcePathStyle: true }),
  };
  return { runtime, dataDir, invocations, requests, clients, stop: () => runtime.stop() };
}

/** The ports a pipeline listens on, for starting the next one in this process on the same ones. */
export function portsOf(pipeline: BenchPipeline): NonNullable<LocalRuntimeOptions['ports']> {
  const endpoints = pipeline.runtime.endpoints as unknown as Record<string, unknown>;
  const ports: Record<string, number> = {};
  for (const [name, endpoint] of [
    ['http', 'httpApi'],
    ...['kinesis', 'dynamodb', 's3', 'sns', 'lambda'].map((n) => [n, n]),
  ]) {
    const url = endpoints[endpoint as string];
    if (typeof url === 'string') ports[name as string] = Number(new URL(url).port);
  }
  return ports;
}

/** Retries of a POST: events the API reported failed and retryable, sent again. */
export interface PostOutcome {
  /** performance.now() at the response that accepted the last of the events. */
  answeredAt: number;
  /** Requests after the first one. */
  retries: number;
}

/**
 * POSTs events to `/events` with the pipeline's dev token, as a well-behaved producer does: events
 * the API reports failed and retryable (a 503 or 207, e.g. when the stream is too slow) are sent
 * again after a backoff (200 ms doubling, at most 5 s), up to `attempts` requests. Throws on a rejected event, on any other status,
 * or when events are still failing: a benchmark that silently lost events measures nothing.
 *
 * @example
 * const { answeredAt } = await postEvents(pipeline, [event]);
 */
export async function postEvents(
  pipeline: BenchPipeline,
  events: ReadonlyArray<{ id: string }>,
  attempts = 6,
): Promise<PostOutcome> {
  const { endpoints } = pipeline.runtime;
  let pending = events;
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${endpoints.httpApi}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoints.token}` },
      body: JSON.stringify(pending),
    });
    const answeredAt = performance.now();
    const body = await response.text();
    if (response.status === 200) return { answeredAt, retries: attempt - 1 };
    if (response.status !== 207 && response.status !== 503) {
      throw new Error(`POST /events: ${response.status} ${body.slice(0, 500)}`);
    }
    const results = (JSON.parse(body) as { results?: Array<{ id?: string; status: string; retryable?: boolean }> })
      .results;
    const retry = new Set((results ?? []).filter((r) => r.status === 'failed' && r.retryable).map((r) => r.id));
    if (results === undefined || results.some((r) => r.status !== 'accepted' && !retry.has(r.id))) {
      throw new Error(`POST /events: ${response.status}, events not retryable: ${body.slice(0, 500)}`);
    }
    if (attempt >= attempts)
      throw new Error(`POST /events: ${retry.size} events still failing after ${attempts} requests`);
    pending = pending.filter((event) => retry.has(event.id));
    await sleep(Math.min(100 * 2 ** attempt, 5_000));
  }
}
