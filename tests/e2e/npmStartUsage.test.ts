import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listen } from '../../local/emulators/servers.ts';
import { pollUntil } from '../../local/emulators.ts';
import { readLocalEndpoints } from '../../local/endpointsFile.ts';
import { PROJECT_ROOT } from '../../local/projectRoot.ts';
import { killSpawnedRuntimes, spawnRuntime } from '../helpers/runtimeProcess.ts';

/**
 * What a newcomer trips over with `npm start` (issue 13), run as a user types it: `npm start -- …`
 * in a terminal's own process group. Conditions are waited for, never durations: the machine may
 * be busy.
 */

const FREE_PORTS_ENV = {
  KP_HTTP_PORT: '0',
  KP_KINESIS_PORT: '0',
  KP_DYNAMODB_PORT: '0',
  KP_S3_PORT: '0',
  KP_SNS_PORT: '0',
  KP_LAMBDA_PORT: '0',
};

/** Every flag npm start takes. */
const FLAGS = ['--fresh', '--verbose', '--poll-interval', '--param', '--shard-limits', '--kinesis-fsync', '--help'];

/** A line of a stack trace (`    at fn (file:1:2)`). */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

interface Run {
  process: ChildProcess;
  /** Exit code, or the signal that ended it. */
  exited: Promise<number | string>;
  output(): string;
}

const runs: ChildProcess[] = [];
afterAll(() => {
  killSpawnedRuntimes();
  for (const { pid } of runs) {
    try {
      if (pid) process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** `npm start -- <args>` from the project root, in its own process group as in a terminal. */
function npmStart(args: string[], env: Record<string, string>): Run {
  const child = spawn('npm', ['start', ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  runs.push(child);
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
  return { process: child, exited, output: () => text };
}

/** Resolves with the exit code, or 'still running' after `ms` (a limit for a hung run, not a timing). */
const exitWithin = (exited: Promise<number | string>, ms: number) =>
  Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), ms))]);

const localDir = (name: string) => mkdtemp(join(tmpdir(), `kp-npm-start-${name}-`));

/** The `error: …` line npm start printed and the line after it. */
function errorAndNext(output: string): [string | undefined, string | undefined] {
  const lines = output.split('\n');
  const at = lines.findIndex((line) => line.startsWith('error: '));
  return [lines[at], at < 0 ? undefined : lines[at + 1]];
}

/** Every KP_* variable the code of npm start (local/) names. */
async function variablesOfNpmStart(): Promise<string[]> {
  const root = join(PROJECT_ROOT, 'local');
  const files = (await readdir(root, { recursive: true })).filter((file) => /\.(ts|mjs)$/.test(file));
  const found = new Set<string>();
  for (const file of files) {
    for (const [name] of (await readFile(join(root, file), 'utf8')).matchAll(/\bKP_[A-Z0-9_]+\b/g)) found.add(name);
  }
  return [...found].sort();
}

describe('npm start, bad usage', () => {
  it.each<[string[], string]>([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--fresh=yes'], "'--fresh' does not take an argument"],
    [['fresh'], "'fresh'"],
  ])('npm start -- %j: one error line naming it, then the usage, exit code 2, nothing started', async (args, named) => {
    const dir = await localDir('usage');
    const run = npmStart(args, { ...FREE_PORTS_ENV, KP_LOCAL_DIR: dir });
    expect(await exitWithin(run.exited, 120_000)).toBe(2);
    const [error, next] = errorAndNext(run.output());
    expect(error).toContain(named);
    expect(next).toMatch(/^usage: npm start/);
    expect(run.output()).not.toMatch(STACK_FRAME);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('npm start -- --param nosuch=1: names the unknown param, exit code 2, before the template is built', async () => {
    const dir = await localDir('param');
    const run = npmStart(['--param', 'nosuch=1'], { ...FREE_PORTS_ENV, KP_LOCAL_DIR: dir });
    expect(await exitWithin(run.exited, 120_000)).toBe(2);
    const [error, next] = errorAndNext(run.output());
    expect(error).toMatch(/^error: --param nosuch: not a param of the local stage/);
    expect(next).toMatch(/^usage: npm start/);
    expect(run.output()).not.toContain('template:');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('npm start -- --param with a misspelt param: suggests the param it resembles', async () => {
    const dir = await localDir('param-typo');
    const run = npmStart(['--param', 'maxRecordSizeKib=2048'], { ...FREE_PORTS_ENV, KP_LOCAL_DIR: dir });
    expect(await exitWithin(run.exited, 120_000)).toBe(2);
    expect(errorAndNext(run.output())[0]).toContain('did you mean maxRecordSizeKiB?');
  });
});

describe('npm start -- --help', () => {
  it('lists every flag and every KP_* variable npm start reads, each with what it does, and exits 0', async () => {
    const run = npmStart(['--help'], {});
    expect(await exitWithin(run.exited, 120_000)).toBe(0);
    const lines = run.output().split('\n');
    expect(lines.some((line) => line.startsWith('usage: npm start'))).toBe(true);
    for (const flag of FLAGS) {
      // The flag, then a sentence on the same line.
      expect(lines.find((line) => new RegExp(`^\\s+${flag}\\b[^-\\w]`).test(line))).toMatch(/\s{2,}\w+ \w+/);
    }
    const variables = await variablesOfNpmStart();
    expect(variables).toContain('KP_LAMBDA_PORT');
    for (const variable of variables) {
      expect(lines.find((line) => line.trimStart().startsWith(`${variable} `))).toMatch(/\s{2,}\w+ \w+/);
    }
  });

  it("README's table of ports has every port variable of --help, with its default (the Lambda Invoke API's too)", async () => {
    const run = npmStart(['--help'], {});
    expect(await exitWithin(run.exited, 120_000)).toBe(0);
    const ports = [...run.output().matchAll(/^\s+(KP_\w+_PORT)\s.*\(default (\d+)\)/gm)].map(([, variable, port]) => ({
      variable,
      port,
    }));
    expect(ports.map(({ variable }) => variable)).toEqual(expect.arrayContaining(['KP_HTTP_PORT', 'KP_LAMBDA_PORT']));
    const readme = await readFile(join(PROJECT_ROOT, 'README.md'), 'utf8');
    for (const { variable, port } of ports) {
      const row = readme.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${variable}\``));
      expect(row ?? `(no row names ${variable})`, "README's table of ports").toContain(`http://127.0.0.1:${port}`);
    }
  });
});

describe('npm start, ports', () => {
  it('KP_LAMBDA_PORT on a port in use: one error line naming KP_LAMBDA_PORT, exit code 1', async () => {
    const blocker = createServer();
    const taken = await listen(blocker, 0, '127.0.0.1');
    try {
      const dir = await localDir('lambda-port');
      const run = npmStart([], { ...FREE_PORTS_ENV, KP_LAMBDA_PORT: String(taken), KP_LOCAL_DIR: dir });
      expect(await exitWithin(run.exited, 180_000)).toBe(1);
      const [error] = errorAndNext(run.output());
      expect(error).toContain(`port ${taken}`);
      expect(error).toContain('KP_LAMBDA_PORT');
      expect(run.output()).not.toMatch(STACK_FRAME);
    } finally {
      blocker.close();
    }
  }, 240_000);
});

describe('npm start, Ctrl-C', () => {
  it('one Ctrl-C of npm start stops the pipeline, says so and exits 0', async () => {
    const dir = await localDir('ctrl-c');
    const run = npmStart([], { ...FREE_PORTS_ENV, KP_LOCAL_DIR: dir });
    const endpointsFile = join(dir, 'endpoints.json');
    const endpoints = await pollUntil(
      async () => {
        if (run.process.exitCode !== null) throw new Error(`npm start exited early:\n${run.output()}`);
        return readLocalEndpoints(endpointsFile);
      },
      { what: `npm start to write ${endpointsFile}`, timeoutMs: 180_000, intervalMs: 200 },
    );
    // KP_LAMBDA_PORT=0 picked a free port, and the Invoke API serves there.
    expect(new URL(endpoints.lambda).port).not.toBe('4574');
    const [fn] = Object.values(endpoints.functions);
    const dryRun = await fetch(`${endpoints.lambda}/2015-03-31/functions/${fn?.name}/invocations`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'DryRun' },
      body: '{}',
    });
    expect(dryRun.status).toBe(204);

    // Ctrl-C in a terminal: SIGINT to the whole foreground process group (npm, and what it runs).
    process.kill(-(run.process.pid as number), 'SIGINT');
    expect(await exitWithin(run.exited, 120_000)).toBe(0);
    expect(run.output()).toMatch(/^stopped: .*checkpoints saved/m);
    expect(existsSync(endpointsFile)).toBe(false);
  }, 360_000);

  it('what npm start runs, stopped by one SIGINT: says it stopped and exits 0', async () => {
    const runtime = await spawnRuntime({ localDir: await localDir('sigint'), env: FREE_PORTS_ENV });
    expect(await runtime.stop()).toBe(0);
    expect(runtime.output()).toMatch(/^stopped: .*checkpoints saved/m);
    expect(runtime.output()).not.toMatch(/again: exiting/);
  });
});
