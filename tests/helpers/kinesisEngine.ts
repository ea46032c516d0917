import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll } from 'vitest';
import type { KinesisEngineOptions } from '../../local/kinesis/engine/api.ts';
import { startKinesisEngine } from '../../local/kinesis/index.ts';

const run = promisify(execFile);

/** The credentials every local tool uses: the engine checks no signature. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const REGION = 'us-east-1';

/** A clock the test moves: real time plus whatever `advance` added, so timers keep running. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
  /** Holds `now` still (per-second limits then see one second) until `release`. */
  pin(): void;
  release(): void;
}

/**
 * A clock for the engine's `now` option that follows real time until a test jumps it forward
 * (iterator expiry, retention trimming) or pins it (per-second throughput limits) without waiting.
 *
 * @example
 * const clock = testClock();
 * const kinesis = await startTestEngine({ now: clock.now });
 * clock.advance(6 * 60_000); // iterators handed out before now are expired
 */
export function testClock(): TestClock {
  let offsetMs = 0;
  let pinnedMs: number | undefined;
  return {
    now: () => pinnedMs ?? Date.now() + offsetMs,
    advance: (ms) => {
      offsetMs += ms;
      if (pinnedMs !== undefined) pinnedMs += ms;
    },
    pin: () => {
      pinnedMs = Date.now() + offsetMs;
    },
    release: () => {
      pinnedMs = undefined;
    },
  };
}

/** The `aws` command failed; its stderr says why. */
export class AwsCliError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`aws ${args.join(' ')} exited with ${code}: ${stderr.trim()}`);
    this.name = 'AwsCliError';
  }
}

/**
 * Debian's awscli (what CI installs) when present, else the first `aws` on PATH, else undefined.
 *
 * @example
 * const aws = findAwsCli(); // '/usr/bin/aws'
 */
export function findAwsCli(): string | undefined {
  if (existsSync('/usr/bin/aws')) return '/usr/bin/aws';
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'aws'))) return join(dir, 'aws');
  }
  return undefined;
}

export interface TestEngine {
  endpoint: string;
  /** SDK v3 client with its default handler (HTTP/2 to an http endpoint), no retries. */
  client: KinesisClient;
  /**
   * Runs `aws kinesis <args>` against the engine and parses its JSON output (undefined when empty).
   * Blob arguments (`--data`) are taken as raw text by both CLI v1 and v2.
   */
  aws(args: readonly string[]): Promise<unknown>;
  /** Stops the engine, closes the clients and deletes the data directory. */
  stop(): Promise<void>;
}

/**
 * The engine of a test file (or describe block): started in its beforeAll, stopped in its afterAll.
 * The returned object reads through to it, so tests use it as they would the engine itself.
 *
 * @example
 * const clock = testClock();
 * const kinesis = useTestEngine({ now: clock.now });
 * it('...', async () => { await kinesis.client.send(new ListStreamsCommand({})); });
 */
export function useTestEngine(options: Partial<KinesisEngineOptions> = {}): TestEngine {
  let started: TestEngine | undefined;
  beforeAll(async () => {
    started = await startTestEngine(options);
  });
  afterAll(async () => {
    await started?.stop();
  });
  const engine = (): TestEngine => {
    if (!started) throw new Error('the test engine is started in beforeAll: use it inside a test or a hook');
    return started;
  };
  return {
    get endpoint() {
      return engine().endpoint;
    },
    get client() {
      return engine().client;
    },
    aws: (args) => engine().aws(args),
    stop: () => engine().stop(),
  };
}

/** A client for `endpoint`; `http1` swaps the default HTTP/2 handler for NodeHttpHandler. */
export function kinesisClient(endpoint: string, options: { http1?: boolean } = {}): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: REGION,
    credentials: LOCAL_CREDENTIALS,
    // Conformance tests look at the engine's first answer: an SDK retry would hide a throttle.
    maxAttempts: 1,
    ...(options.http1 ? { requestHandler: new NodeHttpHandler() } : {}),
  });
}

/**
 * Starts the local Kinesis engine in-process on a free port with a fresh temporary data directory.
 * Streams and consumers change state after 20 ms unless `stateChangeMs` says otherwise.
 *
 * @example
 * const kinesis = await startTestEngine({ subscriptionMs: 1_000 });
 * await kinesis.client.send(new ListStreamsCommand({}));
 * await kinesis.stop();
 */
export async function startTestEngine(options: Partial<KinesisEngineOptions> = {}): Promise<TestEngine> {
  const root = await mkdtemp(join(tmpdir(), 'kp-kinesis-'));
  const cliConfig = join(root, 'aws-config');
  // CLI v2 reads blob arguments as base64 unless told otherwise; v1 ignores the key. Raw text for both.
  await writeFile(cliConfig, '[default]\ncli_binary_format = raw-in-base64-out\n');
  const server = await startKinesisEngine({
    region: REGION,
    stateChangeMs: 20,
    ...options,
    dataDir: join(root, 'data'),
    port: 0,
  });
  const client = kinesisClient(server.endpoint);
  return {
    endpoint: server.endpoint,
    client,
    aws: (args) => runAws(server.endpoint, cliConfig, args),
    stop: async () => {
      client.destroy();
      await server.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function runAws(endpoint: string, configFile: string, args: readonly string[]): Promise<unknown> {
  const binary = findAwsCli();
  if (!binary) throw new AwsCliError(args, 127, 'no aws binary found');
  const argv = ['--endpoint-url', endpoint, '--output', 'json', 'kinesis', ...args];
  try {
    const { stdout } = await run(binary, argv, {
      timeout: 60_000,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_PAGER: '',
        // Keep a developer's own profile and config out of the run.
        AWS_CONFIG_FILE: configFile,
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
    });
    return stdout.trim() === '' ? undefined : JSON.parse(stdout);
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    throw new AwsCliError(args, typeof failed.code === 'number' ? failed.code : 1, failed.stderr ?? String(error));
  }
}
