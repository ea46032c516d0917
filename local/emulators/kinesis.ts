import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { EmulatorStartError } from './errors.ts';
import { forgetKinesisPid, orphanSnapshotWaitMs, recordKinesisPid, waitForOrphanedKinesis } from './kinesisOrphan.ts';
import {
  type ChildExit,
  describeExit,
  type KinesisProcess,
  PARENT_GONE_WAIT_VARIABLE,
  SNAPSHOT_FILE,
  spawnKinesisLocal,
} from './kinesisProcess.ts';
import { waitForKinesis } from './probes.ts';
import { type Relay, startRelay } from './relay.ts';
import { freePorts, LOOPBACK } from './servers.ts';
import type { Log } from './types.ts';

export interface KinesisOptions {
  /** Relay ports clients use; 0 picks free ones. */
  plainPort: number;
  tlsPort: number;
  region: string;
  /** Snapshot directory; in memory when absent. */
  persistDir: string | undefined;
  persistInterval: string;
  stateChangeDuration: string;
  timeoutMs: number;
  log: Log;
  /** A caller reads `log`: let kinesis-local say more. */
  verbose: boolean;
  signal: AbortSignal;
}

export interface KinesisEmulator {
  endpoint: string;
  tlsEndpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** kinesis-local's settings for how long a resource stays CREATING, UPDATING, DELETING... */
const STATE_CHANGE_SETTINGS = Object.freeze([
  'CREATE_STREAM_DURATION',
  'DELETE_STREAM_DURATION',
  'REGISTER_STREAM_CONSUMER_DURATION',
  'DEREGISTER_STREAM_CONSUMER_DURATION',
  'START_STREAM_ENCRYPTION_DURATION',
  'STOP_STREAM_ENCRYPTION_DURATION',
  'MERGE_SHARDS_DURATION',
  'SPLIT_SHARD_DURATION',
  'UPDATE_SHARD_COUNT_DURATION',
  'UPDATE_STREAM_MODE_DURATION',
]);

/** Two free-port races in a row are already unlikely; three is plenty. */
const MAX_SPAWN_ATTEMPTS = 3;
/** Time to write the final snapshot after SIGTERM; without persistence there is nothing to wait for. */
const PERSIST_STOP_GRACE_MS = 5_000;

/** Starts kinesis-local behind two loopback relays and resolves once it answers ListStreams. */
export async function startKinesis(options: KinesisOptions): Promise<KinesisEmulator> {
  if (options.persistDir) {
    await mkdir(options.persistDir, { recursive: true });
    const snapshotWaitMs = orphanSnapshotWaitMs(options.persistInterval);
    await waitForOrphanedKinesis(options.persistDir, snapshotWaitMs, options.log, options.signal);
    await setAsideUnreadableSnapshot(options.persistDir, options.log);
  }
  const target = { plain: 0, tls: 0 };
  const relays: Relay[] = [];
  const closeRelays = () => Promise.all(relays.map((relay) => relay.close()));
  try {
    relays.push(await startRelay(options.plainPort, () => target.plain));
    relays.push(await startRelay(options.tlsPort, () => target.tls));
    const [plain, tls] = relays as [Relay, Relay];
    const endpoint = `http://${LOOPBACK}:${plain.port}`;
    const child = await spawnUntilReady(options, target, endpoint);
    const graceMs = options.persistDir ? PERSIST_STOP_GRACE_MS : 0;
    let stopping = false;
    void child.exited.then((exit) => {
      if (!stopping) reportCrash(child, exit, options.log);
    });
    return {
      endpoint,
      tlsEndpoint: `https://${LOOPBACK}:${tls.port}`,
      pid: child.pid,
      // Relays first: with no client connection left, SIGTERM ends the child within ~100 ms.
      stop: async () => {
        stopping = true;
        await closeRelays();
        await child.stop(graceMs);
        if (options.persistDir) await forgetKinesisPid(options.persistDir);
      },
    };
  } catch (error) {
    await closeRelays();
    throw error;
  }
}

async function spawnUntilReady(
  options: KinesisOptions,
  target: { plain: number; tls: number },
  endpoint: string,
): Promise<KinesisProcess> {
  for (let attempt = 1; ; attempt++) {
    [target.plain, target.tls] = (await freePorts(2)) as [number, number];
    const child = spawnKinesisLocal(childEnvironment(options, target), options.log);
    try {
      if (options.persistDir) await recordKinesisPid(options.persistDir, child.pid);
      const signal = AbortSignal.any([options.signal, child.exitSignal]);
      await waitForKinesis(endpoint, { region: options.region, timeoutMs: options.timeoutMs, signal });
      return child;
    } catch (error) {
      const exitedEarly = child.exitSignal.aborted;
      await child.stop(0);
      const portTaken = child.outputTail().includes('EADDRINUSE');
      if (portTaken && attempt < MAX_SPAWN_ATTEMPTS) continue;
      if (options.signal.aborted) throw options.signal.reason;
      throw startError(error, child, exitedEarly ? await child.exited : undefined, options);
    }
  }
}

function childEnvironment(options: KinesisOptions, ports: { plain: number; tls: number }): Record<string, string> {
  const durations = Object.fromEntries(STATE_CHANGE_SETTINGS.map((name) => [name, options.stateChangeDuration]));
  const persistence: Record<string, string> = options.persistDir
    ? {
        SHOULD_PERSIST_DATA: 'true',
        PERSIST_PATH: options.persistDir,
        PERSIST_INTERVAL: options.persistInterval,
        [PARENT_GONE_WAIT_VARIABLE]: String(orphanSnapshotWaitMs(options.persistInterval)),
      }
    : { SHOULD_PERSIST_DATA: 'false' };
  return {
    PATH: process.env.PATH ?? '',
    KINESIS_MOCK_PLAIN_PORT: String(ports.plain),
    KINESIS_MOCK_TLS_PORT: String(ports.tls),
    // Region of the ARNs it returns; the account stays its default 000000000000.
    AWS_REGION: options.region,
    // Its real default is ERROR (its README says INFO). INFO adds a few startup lines and a WARN
    // with a stack trace per rejected request: worth it only when someone reads the log.
    LOG_LEVEL: options.verbose ? 'INFO' : 'ERROR',
    ...durations,
    ...persistence,
  };
}

function startError(
  error: unknown,
  child: KinesisProcess,
  exit: ChildExit | undefined,
  options: KinesisOptions,
): EmulatorStartError {
  const reason = exit
    ? `exited (${describeExit(exit)}) before it answered`
    : `did not answer within ${options.timeoutMs} ms`;
  const hint = options.persistDir
    ? `\nIf its snapshot is the problem, move ${join(options.persistDir, SNAPSHOT_FILE)} away.`
    : '';
  const message = `kinesis-local ${reason}. Its last output:\n${child.outputTail() || '(none)'}${hint}`;
  return new EmulatorStartError('kinesis', message, { cause: error });
}

/** Otherwise a dead emulator would only show as ECONNRESET in some later, unrelated test. */
function reportCrash(child: KinesisProcess, exit: ChildExit, log: Log): void {
  const message = `kinesis-local exited unexpectedly (${describeExit(exit)}). Its last output:\n${child.outputTail()}`;
  log(message);
  process.emitWarning(message);
}

/**
 * kinesis-local rewrites its snapshot in place, so a kill in the middle of a write leaves a cut
 * JSON file, and it then dies at start with a bare `java.util.NoSuchElementException`. Keep the
 * file for inspection and start empty instead.
 */
async function setAsideUnreadableSnapshot(dir: string, log: Log): Promise<void> {
  const file = join(dir, SNAPSHOT_FILE);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  try {
    JSON.parse(text);
  } catch {
    const aside = `${file}.unreadable-${Date.now()}`;
    await rename(file, aside);
    const message = `kinesis-local snapshot ${file} is not valid JSON; moved to ${aside}, starting empty`;
    log(message);
    process.emitWarning(message);
  }
}
