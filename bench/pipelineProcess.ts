import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalEndpoints } from '../local/endpointsFile.ts';
import { readLocalEndpoints } from '../local/endpointsFile.ts';
import { PROJECT_ROOT } from '../local/projectRoot.ts';
import { npmStartArguments } from '../local/startCommand.ts';
import { type HttpRequestLine, httpRequestOf, type Invocation, invocationOf } from './benchPipeline.ts';
import { type CaughtUp, waitForCheckpoints } from './consumerCheckpoints.ts';
import { benchKinesisClient } from './kinesisLoad.ts';
import { BenchChildError } from './kinesisServers.ts';
import { putMarkers } from './streamMarkers.ts';
import type { Consumer } from './throughput.ts';

/** `npm start` in a child process, as a user runs it, watched through its output. */
export interface PipelineProcess {
  /** The start.ts process: the whole pipeline, VmRSS to sample. */
  pid: number;
  /** Its command line, as package.json's start script has it (`node ...`). */
  command: string;
  /** What it wrote to its KP_LOCAL_DIR's endpoints.json (the dev token included). */
  endpoints: LocalEndpoints;
  /** KP_LOCAL_DIR: where `npm run produce` finds the endpoints. */
  localDir: string;
  /** Its data folder (`<KP_LOCAL_DIR>/data`), holding the mappings' checkpoints.json. */
  dataDir: string;
  /** Consumer invokes and HTTP requests from its log lines, as they arrive. */
  invocations: Invocation[];
  requests: HttpRequestLine[];
  /**
   * SIGTERM (in-flight batches finish, checkpoints saved), SIGKILL after 60 s; resolves once it has
   * exited and its output is read to the end; removes the folder.
   */
  stop(): Promise<void>;
}

/** What to start, and how, when not this repository's `npm start` as it is. */
export interface SpawnPipelineOptions {
  /**
   * The tree whose `npm start` runs (its local/launch.mjs, so its own runtime, functions and
   * template), with this repository's start script, which must be the tree's too. Default: this
   * repository. Another tree needs a node_modules (a symlink to this one's will do).
   */
  root?: string;
  /** npm start's flags: `--verbose`, `--param name=value`. */
  args?: readonly string[];
  /** Variables added to its environment (e.g. POWERTOOLS_LOG_LEVEL). */
  env?: Readonly<Record<string, string>>;
  /** Called with every line it prints, on stdout or stderr, as it arrives. */
  onLine?: (line: string) => void;
}

const START_TIMEOUT_MS = 180_000;

/**
 * Starts the local pipeline exactly as `npm start` does (package.json's start script), with
 * npm start's defaults (poll interval 1 s, the `local` stage's params) unless `options.args` say
 * otherwise, a fresh temporary KP_LOCAL_DIR and free ports, and resolves once its endpoints file
 * is written.
 *
 * @example
 * const pipeline = await spawnPipeline();
 * await pipeline.stop();
 */
export async function spawnPipeline(options: SpawnPipelineOptions = {}): Promise<PipelineProcess> {
  const localDir = await mkdtemp(join(tmpdir(), 'kp-bench-npm-start-'));
  const ports = ['HTTP', 'KINESIS', 'DYNAMODB', 'S3', 'SNS', 'LAMBDA'].map((name) => [`KP_${name}_PORT`, '0']);
  const args = [...(await npmStartArguments()), ...(options.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: options.root ?? PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env, ...Object.fromEntries(ports), KP_LOCAL_DIR: localDir },
  });
  const invocations: Invocation[] = [];
  const requests: HttpRequestLine[] = [];
  let tail = '';
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream as NodeJS.ReadableStream }).on('line', (line) => {
      options.onLine?.(line);
      const invoke = invocationOf(line);
      if (invoke) invocations.push(invoke);
      const request = httpRequestOf(line);
      if (request) requests.push(request);
      if (!invoke && !request) tail = `${tail}\n${line}`.slice(-2_000);
    });
  }
  const stop = stopper(child, localDir);
  let endpoints: LocalEndpoints | undefined;
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (!endpoints) {
    if (child.exitCode !== null) {
      await stop();
      throw new BenchChildError(`npm start exited (${child.exitCode}) before serving:${tail}`);
    }
    if (performance.now() > deadline) {
      await stop();
      throw new BenchChildError(`npm start: no endpoints file after ${START_TIMEOUT_MS} ms:${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    endpoints = readLocalEndpoints(join(localDir, 'endpoints.json'));
  }
  const dataDir = join(localDir, 'data');
  const command = ['node', ...args].join(' ');
  return { pid: child.pid as number, command, endpoints, localDir, dataDir, invocations, requests, stop };
}

function stopper(child: ChildProcess, localDir: string): () => Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // After 'exit': everything it printed has been read.
  const closed = new Promise((resolve) => child.once('close', resolve));
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        await exited;
        clearTimeout(timer);
      }
      // Bounded: a process it started could still hold its pipes open.
      await Promise.race([closed, sleep(10_000, undefined, { ref: false })]);
      await rm(localDir, { recursive: true, force: true });
    })());
}

/**
 * Waits until every consumer is caught up with everything written to the pipeline's stream so far:
 * puts a marker record into every open shard (`putMarkers`), then polls the mappings' checkpoints
 * until each consumer's checkpoint of every shard reached its marker, or `timeoutMs` passes. Call it
 * once the phase's writes are answered. Returns, per consumer, ms from `since` (default: the call)
 * until it got there (undefined when it did not), and the shards still behind at the end.
 *
 * Counting the records of the invokes logged `ok` would miss those processed by an invoke that
 * answered a partial batch response (Lambda re-delivers from the lowest failed record only).
 *
 * @example
 * const caughtUp = await waitForConsumers(pipeline, { since: lastAnswer, timeoutMs: 5_000 });
 */
export async function waitForConsumers(
  pipeline: Pick<PipelineProcess, 'endpoints' | 'dataDir'>,
  options: { timeoutMs: number; since?: number },
): Promise<Record<Consumer, CaughtUp>> {
  const client = benchKinesisClient(pipeline.endpoints.kinesis);
  try {
    const markers = await putMarkers(client, pipeline.endpoints.streamName);
    return await waitForCheckpoints(pipeline.dataDir, markers, options);
  } finally {
    client.destroy();
  }
}
