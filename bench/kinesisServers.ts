import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { benchKinesisClient } from './kinesisLoad.ts';

/** A Kinesis server in a child process of the benchmark, with its own temporary data folder. */
export interface KinesisServerProcess {
  name: string;
  endpoint: string;
  pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`; removes the data folder. */
  stop(): Promise<void>;
}

/** A benchmark's child process that did not come up. */
export class BenchChildError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchChildError';
  }
}

const START_TIMEOUT_MS = 120_000;

/**
 * The project's engine (`startKinesisEngine`) alone in a child process (bench/engineChild.ts), so
 * its RSS is its own.
 *
 * @example
 * const engine = await spawnEngine();
 * await engine.stop();
 */
export async function spawnEngine(): Promise<KinesisServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kp-bench-engine-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/engineChild.ts', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = outputTail(child);
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new BenchChildError(`engine: no endpoint after ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const line = buffered.split('\n').find((l) => l.startsWith('{"endpoint"'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { endpoint: string }).endpoint);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new BenchChildError(`engine exited (${code}) before serving: ${tail()}`));
    });
  });
  return { name: 'engine', endpoint, pid: child.pid as number, stop: stopper(child, dataDir) };
}

/**
 * kinesis-local (`node main.js` in its package folder) with persistence on, as `npm start` ran it
 * before the engine replaced it: a snapshot every 5 s into a temporary folder.
 *
 * @example
 * const mock = await spawnKinesisLocal();
 */
export async function spawnKinesisLocal(): Promise<KinesisServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kp-bench-kinesis-local-'));
  const [plain, tls] = [await freePort(), await freePort()];
  const folder = dirname(createRequire(import.meta.url).resolve('kinesis-local/package.json'));
  const child = spawn(process.execPath, ['main.js'], {
    cwd: folder,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      KINESIS_MOCK_PLAIN_PORT: String(plain),
      KINESIS_MOCK_TLS_PORT: String(tls),
      AWS_REGION: 'us-east-1',
      LOG_LEVEL: 'ERROR',
      SHOULD_PERSIST_DATA: 'true',
      PERSIST_PATH: dataDir,
      PERSIST_INTERVAL: '5s',
    },
  });
  const tail = outputTail(child);
  const endpoint = `http://127.0.0.1:${plain}`;
  const client = benchKinesisClient(endpoint);
  const deadline = performance.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new BenchChildError(`kinesis-local exited (${child.exitCode}): ${tail()}`);
      try {
        await client.send(new ListStreamsCommand({}));
        break;
      } catch (error) {
        if (performance.now() > deadline)
          throw new BenchChildError(`kinesis-local not answering after ${START_TIMEOUT_MS} ms`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } catch (error) {
    await stopper(child, dataDir)();
    throw error;
  } finally {
    client.destroy();
  }
  return { name: 'kinesis-local', endpoint, pid: child.pid as number, stop: stopper(child, dataDir) };
}

/** The last 2,000 characters the child wrote, for error messages. */
function outputTail(child: ChildProcess): () => string {
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-2_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail;
}

function stopper(child: ChildProcess, dataDir: string, graceMs = 10_000): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
}

/** A port free right now (the child binds it a moment later; a race here fails loudly, not silently). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new BenchChildError('no free port');
  return address.port;
}
