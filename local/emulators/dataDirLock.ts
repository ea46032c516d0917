import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataDirInUseError } from './errors.ts';

const LOCK_FILE = 'emulators.lock';
const MAX_ATTEMPTS = 3;

/**
 * Claims `dir` for this process and resolves with the release function. Two harnesses on one data
 * directory would corrupt it, and dynalite does not even fail cleanly: LevelDB's lock makes it
 * emit an unhandled 'error' event that kills the process. A lock left by a dead process is taken
 * over.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (isAlive(holder)) {
      const who = holder === process.pid ? 'this process' : `process ${holder}`;
      throw new DataDirInUseError(`${dir} is in use by ${who}; stop it first (or delete ${file} if that is stale)`);
    }
    await rm(file, { force: true });
  }
  throw new DataDirInUseError(`${dir}: could not claim ${file}`);
}

/**
 * Empties `dir` except for its lock file. Only for a caller holding the lock ({@link lockDataDir}):
 * wiping first and locking afterwards would let a second `--fresh` start delete the data of the
 * instance that is running on it.
 */
export async function wipeLockedDataDir(dir: string): Promise<void> {
  const names = await readdir(dir);
  await Promise.all(
    names.filter((name) => name !== LOCK_FILE).map((name) => rm(join(dir, name), { recursive: true, force: true })),
  );
}

/** Whether a process with this pid exists (whoever owns it). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it just is not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
