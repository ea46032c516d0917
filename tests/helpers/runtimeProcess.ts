import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pollUntil } from '../../local/emulators.ts';
import { type LocalEndpoints, readLocalEndpoints } from '../../local/endpointsFile.ts';

/** A local runtime running as `npm start` does, in a child process of the test. */
export interface RuntimeProcess {
  readonly pid: number;
  /** Its endpoints, once endpoints.json is written. */
  readonly endpoints: LocalEndpoints;
  /** Everything it printed so far. */
  output(): string;
  /**
   * SIGKILL to its process group (no stop, no checkpoint flush, no final snapshot by the runtime),
   * then waits until the processes it had started outside its group (kinesis-local, which ends
   * itself once its parent is gone and writes its last snapshot on the way) are gone too. Resolves
   * with how long that took, in ms.
   */
  kill(): Promise<{ orphans: number; orphanExitMs: number }>;
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
 * Starts `node --import tsx local/start.ts` (what `npm start` runs, without npm in between) in its
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
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', ...(options.args ?? [])], {
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
      const orphans = childrenOutsideGroup(pid);
      process.kill(-pid, 'SIGKILL');
      await exited;
      const since = Date.now();
      await pollUntil(async () => (orphans.some(isAlive) ? undefined : true), {
        what: `the processes the killed runtime had started (${orphans.join(', ')}) to exit`,
        timeoutMs: 30_000,
        intervalMs: 50,
      });
      return { orphans: orphans.length, orphanExitMs: Date.now() - since };
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

/**
 * The pids of `pid`'s direct children that live in another process group (kinesis-local is
 * detached, so that a Ctrl-C reaches only the runtime): a SIGKILL to the runtime's group misses
 * them. Linux only (/proc); elsewhere empty, and the caller then waits for nothing.
 */
function childrenOutsideGroup(pid: number): number[] {
  if (!existsSync('/proc')) return [];
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [ppid, pgrp] = [Number(fields[1]), Number(fields[2])];
    if (ppid === pid && pgrp !== pid) found.push(Number(name));
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; it is gone for our purpose once it is not running.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
