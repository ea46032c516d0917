import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisEngine } from '../kinesis/engine/kinesisEngine.ts';
import { IMPORTING_MARKER, importKinesisLocal } from '../kinesis/importKinesisLocal.ts';
import { startKinesisEngine } from '../kinesis/index.ts';
import { KINESIS_LOCAL_SNAPSHOT_FILE } from '../kinesis/kinesisLocalSnapshot.ts';
import { EmulatorStartError } from './errors.ts';
import { LOOPBACK } from './servers.ts';
import type { Log, RunningEmulator } from './types.ts';

export interface KinesisOptions {
  /** 0 picks a free port. */
  port: number;
  region: string;
  accountId: string;
  /** The engine's data directory; a temporary one that stop() removes when absent. */
  dir: string | undefined;
  /**
   * The event source mappings' checkpoints, whose sequence numbers an import of kinesis-local's
   * snapshot translates (see local/kinesis/importKinesisLocal.ts).
   */
  checkpointsFile: string | undefined;
  stateChangeMs: number;
  shardLimits: boolean;
  durability: 'os' | 'fsync';
  /**
   * For a person to read: what an import of kinesis-local's data did, and the engine's own lines,
   * which are rare and matter (a torn write recovered after a crash, a request that failed inside).
   */
  notify: Log;
}

/**
 * Starts the project's Kinesis engine in this process, on 127.0.0.1 (HTTP/1.1 and cleartext HTTP/2
 * on one port). At the first start on a directory that still holds kinesis-local's snapshot, its
 * streams are imported first.
 */
export async function startKinesis(options: KinesisOptions): Promise<RunningEmulator> {
  const temporary = options.dir === undefined ? await mkdtemp(join(tmpdir(), 'kp-kinesis-')) : undefined;
  const dataDir = options.dir ?? (temporary as string);
  const removeTemporary = () => (temporary ? rm(temporary, { recursive: true, force: true }) : Promise.resolve());
  const engineOptions = {
    dataDir,
    region: options.region,
    accountId: options.accountId,
    stateChangeMs: options.stateChangeMs,
    shardLimits: options.shardLimits,
    durability: options.durability,
    log: options.notify,
  };
  try {
    await mkdir(dataDir, { recursive: true });
    await importOnce(options, engineOptions);
    const server = await startKinesisEngine({ ...engineOptions, port: options.port, host: LOOPBACK }).catch(
      (error: unknown) => {
        const what = `the Kinesis engine could not start on port ${options.port} (data: ${options.dir ?? 'temporary'})`;
        throw new EmulatorStartError('kinesis', `${what}: ${error instanceof Error ? error.message : error}`, {
          cause: error,
        });
      },
    );
    const modes = kinesisModes(options);
    if (modes) options.notify(`kinesis: ${modes}`);
    return {
      endpoint: server.endpoint,
      stop: async () => {
        try {
          await server.stop();
        } finally {
          await removeTemporary();
        }
      },
    };
  } catch (error) {
    await removeTemporary();
    throw error;
  }
}

/** What differs from the defaults, said at start so that a flag's effect is visible (npm start --shard-limits, --kinesis-fsync). */
function kinesisModes(options: Pick<KinesisOptions, 'shardLimits' | 'durability'>): string {
  const modes = [
    options.shardLimits
      ? 'per-shard limits on (writes 1 MiB/s and 1,000 records/s, reads 2 MiB/s and 5 GetRecords calls/s)'
      : '',
    options.durability === 'fsync' ? "each write fsync'd to the disk before it is acknowledged" : '',
  ];
  return modes.filter(Boolean).join('; ');
}

/**
 * The import runs on an engine of its own, without shard limits: re-appending a shard's records in
 * order would otherwise be throttled, and a retry of part of a batch would reorder them.
 */
async function importOnce(
  options: KinesisOptions,
  engineOptions: { dataDir: string; region: string; accountId: string; log: Log; durability: 'os' | 'fsync' },
): Promise<void> {
  const snapshot = join(engineOptions.dataDir, KINESIS_LOCAL_SNAPSHOT_FILE);
  const found = await access(snapshot).then(
    () => true,
    () => false,
  );
  if (!found) {
    // A crash between the snapshot's rename and the marker's removal leaves a marker of a finished
    // import: without its snapshot it means nothing, and must not make a later snapshot look half imported.
    await rm(join(engineOptions.dataDir, IMPORTING_MARKER), { force: true });
    return;
  }
  // Named here, not spread: the runtime's options carry shardLimits too. Durability is kept (--kinesis-fsync).
  const { dataDir, region, accountId, log, durability } = engineOptions;
  const engine = await KinesisEngine.open({
    dataDir,
    region,
    accountId,
    log,
    durability,
    stateChangeMs: 0,
    shardLimits: false,
  });
  try {
    await importKinesisLocal({
      engine,
      kinesisDir: engineOptions.dataDir,
      checkpointsFile: options.checkpointsFile ?? join(engineOptions.dataDir, 'checkpoints.json'),
      region: options.region,
      accountId: options.accountId,
      log: options.notify,
    });
  } catch (error) {
    throw new EmulatorStartError('kinesis', error instanceof Error ? error.message : String(error), { cause: error });
  } finally {
    await engine.close();
  }
}
