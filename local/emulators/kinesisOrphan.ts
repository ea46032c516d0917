import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from './dataDirLock.ts';
import { EmulatorStartError } from './errors.ts';
import { pollUntil } from './poll.ts';

/**
 * The pid of the kinesis-local child last started on a snapshot folder. When its parent dies
 * without stopping it (a SIGKILL, the OOM killer), the child outlives it to write one more
 * snapshot (see kinesisProcess.ts), so the next start must wait: a kinesis-local started beside it
 * would load the older snapshot, and the orphan's last one would then be overwritten.
 */
const PID_FILE = 'kinesis-local.pid';

/** Longest an orphan waits for its last snapshot, however long the persist interval. */
const MAX_SNAPSHOT_WAIT_MS = 60_000;
/** After that wait: SIGTERM, its own final snapshot, and a hard exit 5 s later if that stalls. */
const ORPHAN_STOP_MS = 10_000;

/**
 * How long an orphaned kinesis-local waits for a snapshot of its last state: two persist intervals
 * (the first snapshot it begins may hold an older state), plus time to write them.
 */
export function orphanSnapshotWaitMs(persistInterval: string): number {
  const intervalMs = durationMs(persistInterval);
  return intervalMs === undefined ? MAX_SNAPSHOT_WAIT_MS : Math.min(2 * intervalMs + 5_000, MAX_SNAPSHOT_WAIT_MS);
}

/** Waits for the kinesis-local a dead predecessor left running on `dir` to exit. */
export async function waitForOrphanedKinesis(
  dir: string,
  snapshotWaitMs: number,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const pid = Number.parseInt(await readFile(join(dir, PID_FILE), 'utf8').catch(() => ''), 10);
  if (!(await isKinesisLocal(pid))) return;
  log(`kinesis-local ${pid}, left by a run that did not stop, is writing its last snapshot; waiting for it`);
  const timeoutMs = snapshotWaitMs + ORPHAN_STOP_MS;
  try {
    await pollUntil(async () => ((await isKinesisLocal(pid)) ? undefined : true), {
      what: `kinesis-local ${pid} to exit`,
      timeoutMs,
      intervalMs: 50,
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    const message = `kinesis-local ${pid}, left running on ${dir} by an earlier run, did not exit within ${timeoutMs} ms; stop it (kill ${pid}) and start again`;
    throw new EmulatorStartError('kinesis', message, { cause: error });
  }
}

export async function recordKinesisPid(dir: string, pid: number): Promise<void> {
  await writeFile(join(dir, PID_FILE), String(pid));
}

export async function forgetKinesisPid(dir: string): Promise<void> {
  await rm(join(dir, PID_FILE), { force: true });
}

/**
 * Alive and, where /proc tells (Linux), running kinesis-local: a pid file left by a child that was
 * itself killed may name a pid since reused by something else.
 */
async function isKinesisLocal(pid: number): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return commandLine === undefined || commandLine.includes('kinesis-local');
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, min: 60_000, h: 3_600_000 };

/** kinesis-local's durations as this project writes them ('100ms', '2s', '10min'); else undefined. */
function durationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}
