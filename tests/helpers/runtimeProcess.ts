import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pollUntil } from '../../local/emulators.ts';
import { type LocalEndpoints, readLocalEndpoints } from '../../local/endpointsFile.ts';
import { npmStartArguments } from '../../local/startCommand.ts';

/** A local runtime running as `npm start` does, in a child process of the test. */
export interface RuntimeProcess {
  readonly pid: number;
  /** Its endpoints, once endpoints.json is written. */
  readonly endpoints: LocalEndpoints;
  /** Everything it printed so far. */
  output(): string;
  /** SIGKILL to its process group (no stop, no checkpoint flush); resolves once it has exited. */
  kill(): Promise<void>;
  /** Ctrl-C, as a user stops it; resolves with the exit code (or signal). */
  stop(): Promise<number | string>;
}

export interface SpawnRuntimeOptions {
  /** KP_LOCAL_DIR: `data/` and `endpoints.json`. Reuse it to restart on the same data. */
  localDir: string;
  /** KP_* variables (ports, fault injection). */
  env: Record<string, string>;
  args?: string[];
  startTimeoutMs?: number;
}

/**
 * Starts what `npm start` runs (package.json's start script, without npm in between) in its
 * own process group, and resolves once it has written its endpoints file. A stale endpoints file
 * (left by a SIGKILLed predecessor) is removed first, so the one waited for is this process's.
 *
 * @example
 * const runtime = await spawnRuntime({ localDir, env: { KP_HTTP_PORT: '0', ... } });
 * await runtime.kill(); // as if the machine's OOM killer struck
 */
export async function spawnRuntime(options: SpawnRuntimeOptions): Promise<RuntimeProcess> {
  const endpointsFile = join(options.localDir, 'endpoints.json');
  await rm(endpointsFile, { force: true });
  const child = spawn(process.execPath, [...(await npmStartArguments()), ...(options.args ?? [])], {
    env: { ...process.env, ...options.env, KP_LOCAL_DIR: options.localDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  child.stdout?.on('data', (chunk) => {
    text += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    text += chunk;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  live.add(child);
  void exited.then(() => live.delete(child));
  const pid = child.pid as number;
  const endpoints = await pollUntil(
    async () => {
      if (gone) throw new Error(`the runtime exited before it was ready. Its output:\n${text}`);
      return readLocalEndpoints(endpointsFile);
    },
    { what: `the runtime to write ${endpointsFile}`, timeoutMs: options.startTimeoutMs ?? 90_000, intervalMs: 100 },
  );
  return {
    pid,
    endpoints,
    output: () => text,
    async kill() {
      process.kill(-pid, 'SIGKILL');
      await exited;
    },
    async stop() {
      process.kill(-pid, 'SIGINT');
      return exited;
    },
  };
}

const live = new Set<ChildProcess>();

/**
 * SIGKILLs the process group of every runtime spawned here that is still running: for an afterAll,
 * so that a failed test leaves nothing behind.
 *
 * @example
 * afterAll(killSpawnedRuntimes);
 */
export function killSpawnedRuntimes(): void {
  for (const child of live) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
