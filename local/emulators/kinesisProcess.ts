import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from './types.ts';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The kinesis-local child process. */
export interface KinesisProcess {
  readonly pid: number;
  /** Settles once the process has exited (and been reaped: its pid is gone) and its output is read. */
  readonly exited: Promise<ChildExit>;
  /** Aborted when the process exits, for polls that must stop early. */
  readonly exitSignal: AbortSignal;
  /** Its last lines of stdout and stderr, for error messages. */
  outputTail(): string;
  /** SIGTERM and up to `graceMs` to exit, then SIGKILL; `graceMs` 0 kills at once. */
  stop(graceMs: number): Promise<void>;
}

/** kinesis-local's snapshot, in its PERSIST_PATH folder (PERSIST_FILE_NAME's default). */
export const SNAPSHOT_FILE = 'kinesis-data.json';

/**
 * The child's environment variable with how long, once its parent is gone, it waits for the
 * snapshot that holds every acknowledged record before it stops itself.
 */
export const PARENT_GONE_WAIT_VARIABLE = 'KP_PARENT_GONE_SNAPSHOT_WAIT_MS';

const TAIL_LINES = 40;
const MAX_LINE_CHARS = 500;

/**
 * Preloaded into the child.
 *
 * - Our end of its stdin closes when this process is gone, however it died (a SIGKILLed vitest
 *   worker or `npm start` runs no 'exit' handler), and the child then ends itself: when persisting,
 *   once a snapshot of the state after that moment is on disk (about two PERSIST_INTERVALs later,
 *   at most {@link PARENT_GONE_WAIT_VARIABLE}), then SIGTERM, and a hard exit if that stalls. Its
 *   output goes nowhere from then on: a log line written into the dead parent's pipe failed with
 *   EPIPE, an uncaught error that killed it before that snapshot (found by the fault suite).
 * - kinesis-local writes its snapshot with `fs.createWriteStream`, truncating the file first: a
 *   process that dies during a write (that hard exit, or a kill) leaves a cut or empty snapshot,
 *   and the stream's records are gone at the next start. The snapshot is written beside the file
 *   instead and renamed over it once complete, so the file always holds a whole snapshot: at worst
 *   the last one before the crash.
 */
const CHILD_PRELOAD = `
import fs from 'node:fs';
const createWriteStream = fs.createWriteStream;
let opened = 0;
let renamed = 0;
fs.createWriteStream = function (path, options) {
  if (typeof path !== 'string' || !path.endsWith('${SNAPSHOT_FILE}')) return createWriteStream.call(this, path, options);
  // Each write gets its own file (a periodic write and the final one may overlap), and only a
  // write newer than the last one renamed replaces the snapshot.
  const number = ++opened;
  const partial = path + '.' + number + '.partial';
  const stream = createWriteStream.call(this, partial, options);
  // At 'finish' every byte is written (the final snapshot's process may exit before 'close'), and
  // seen in emit rather than with a listener, which fs2 may remove when it is done with the stream.
  const emit = stream.emit;
  stream.emit = function (name, ...args) {
    if (name === 'finish' && !stream.errored) {
      try {
        if (number > renamed) {
          fs.renameSync(partial, path);
          renamed = number;
        } else fs.rmSync(partial, { force: true });
      } catch (error) {
        process.stderr.write('snapshot rename failed: ' + error.message + String.fromCharCode(10));
      }
    }
    return emit.call(this, name, ...args);
  };
  return stream;
};
process.stdin.on('error', () => {});
// Once the parent is gone nobody reads our output: a log line then fails with EPIPE, which would
// kill this process before its last snapshot. Such errors are dropped, and after the parent is
// gone the output is too.
const discard = (chunk, encoding, callback) => {
  const done = typeof encoding === 'function' ? encoding : callback;
  if (done) process.nextTick(done);
  return true;
};
const silence = (output) => {
  output.write = discard;
  // A writer waiting for room in the broken pipe (kinesis-local's console waits for 'drain').
  process.nextTick(() => output.emit('drain'));
};
for (const output of [process.stdout, process.stderr]) output.on('error', () => silence(output));
// kinesis-local's runtime (cats-effect) replaces process.exit with a graceful exit that waits for
// its shutdown, which can itself be stuck; the hard exit below must be the real one.
const exit = process.exit.bind(process);
process.stdin.on('end', () => {
  silence(process.stdout);
  silence(process.stderr);
  const end = () => {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => exit(1), 5000).unref();
  };
  if (process.env.SHOULD_PERSIST_DATA !== 'true') return end();
  // The parent is gone, and every client with it: first wait for a snapshot whose state was read
  // after this moment, so that it holds every acknowledged record. kinesis-local reads its state,
  // then prints it (long, for a big stream), and only then opens the file: the next snapshot opened
  // may hold a state read before this moment. Snapshots take turns (a semaphore), so the one after
  // that read its state once the next one was written: wait for the second one opened from now.
  // The one SIGTERM writes may not come, or not hold the last records, when it cuts a periodic
  // write short.
  const after = opened;
  const deadline = Date.now() + Number(process.env.${PARENT_GONE_WAIT_VARIABLE});
  const wait = () => (renamed >= after + 2 || Date.now() > deadline ? end() : setTimeout(wait, 25));
  wait();
}).resume();
`;

/**
 * Starts `node kinesis-local/main.js` with exactly `env` (a clean environment, so a NODE_OPTIONS
 * meant for vitest or tsx does not leak in). It runs from its package folder because it loads its
 * TLS certificate `server.json` from the working directory.
 */
export function spawnKinesisLocal(env: Record<string, string>, log: Log): KinesisProcess {
  const packageDir = dirname(createRequire(import.meta.url).resolve('kinesis-local/package.json'));
  const preload = `data:text/javascript,${encodeURIComponent(CHILD_PRELOAD)}`;
  const child = spawn(process.execPath, ['--import', preload, join(packageDir, 'main.js')], {
    cwd: packageDir,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    // Own process group: a Ctrl-C in the terminal reaches only the parent, whose stop() then
    // shuts the child down in order (connections first, so that it can persist).
    detached: true,
  });
  const tail = captureOutput(child, log);
  const exited = waitForExit(child);
  const exitController = new AbortController();
  void exited.then((exit) => exitController.abort(new Error(`kinesis-local exited (${describeExit(exit)})`)));
  killOnParentExit(child, exited, env.SHOULD_PERSIST_DATA === 'true' ? 'SIGTERM' : 'SIGKILL');
  return {
    pid: child.pid ?? -1,
    exited,
    exitSignal: exitController.signal,
    outputTail: () => tail.join('\n'),
    stop: (graceMs) => terminate(child, exited, graceMs),
  };
}

export function describeExit({ code, signal }: ChildExit): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

function captureOutput(child: ChildProcess, log: Log): string[] {
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      tail.push(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line);
      if (tail.length > TAIL_LINES) tail.shift();
      log(`kinesis-local: ${line}`);
    });
  }
  return tail;
}

function waitForExit(child: ChildProcess): Promise<ChildExit> {
  return new Promise((resolve) => {
    // 'error' without 'exit' means it never started (spawn failed).
    child.once('error', () => {
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
    // 'close' rather than 'exit': it comes once stdout and stderr are drained, so the output tail
    // of a crash holds its last words.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

async function terminate(child: ChildProcess, exited: Promise<ChildExit>, graceMs: number): Promise<void> {
  const running = child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  if (running && graceMs > 0) {
    child.kill('SIGTERM');
    // Unref'd: a child that exits in time must not leave a timer holding this process open.
    const inTime = await Promise.race([exited.then(() => true), sleep(graceMs, false, { ref: false })]);
    if (inTime) return;
  }
  if (running) child.kill('SIGKILL');
  await exited;
}

const liveChildren = new Map<ChildProcess, NodeJS.Signals>();

/**
 * Only synchronous work is possible in an 'exit' handler: a signal, no waiting. A persisting child
 * gets SIGTERM so that it still writes its snapshot (the stdin guard kills it if that stalls).
 */
function killOnParentExit(child: ChildProcess, exited: Promise<ChildExit>, signal: NodeJS.Signals): void {
  if (liveChildren.size === 0) process.on('exit', killLiveChildren);
  liveChildren.set(child, signal);
  void exited.then(() => {
    liveChildren.delete(child);
    if (liveChildren.size === 0) process.off('exit', killLiveChildren);
  });
}

function killLiveChildren(): void {
  for (const [child, signal] of liveChildren) child.kill(signal);
}
