import { join, resolve } from 'node:path';
import { lockDataDir, wipeLockedDataDir } from './emulators/dataDirLock.ts';
import { startDynamoDb } from './emulators/dynamodb.ts';
import { startKinesis } from './emulators/kinesis.ts';
import { orphanSnapshotWaitMs, waitForOrphanedKinesis } from './emulators/kinesisOrphan.ts';
import { LOCAL_CREDENTIALS } from './emulators/probes.ts';
import { startS3 } from './emulators/s3.ts';
import { startSns } from './emulators/sns.ts';
import type { Log } from './emulators/types.ts';

export { DataDirInUseError, DeadlineExceededError, EmulatorStartError } from './emulators/errors.ts';
export { pollUntil } from './emulators/poll.ts';
export { type PublishedMessage, readPublished } from './emulators/sns.ts';

export interface EmulatorOptions {
  /**
   * Directory for persisted data (`kinesis/`, `dynamodb/`, `s3/`, `sns/` below it), claimed by an
   * `emulators.lock` file while running; when absent everything is in memory or in a temporary
   * directory that stop() removes.
   */
  dataDir?: string;
  /**
   * With `dataDir`: start from empty data. Everything in the directory except the lock file is
   * removed once the lock is held, so a directory in use by another harness is never touched (its
   * start fails with DataDirInUseError instead).
   */
  wipe?: boolean;
  /**
   * Fixed ports; a missing one picks a free port. The ports clients use listen on 127.0.0.1 only,
   * but kinesis-local's own process behind the Kinesis relays binds two more (random) ports on
   * every interface (0.0.0.0): it has no setting for its host.
   */
  ports?: { kinesis?: number; kinesisTls?: number; dynamodb?: number; s3?: number; sns?: number };
  /** Default 'us-east-1'; also the region in kinesis-local's ARNs. */
  region?: string;
  /** The account in the local SNS endpoint's topic ARNs. Default '000000000000' (kinesis-local's). */
  accountId?: string;
  /**
   * How long kinesis-local keeps streams CREATING, UPDATING, DELETING and consumers CREATING
   * (its `*_DURATION` settings, e.g. '100ms'). Default '100ms': short, yet callers still have to
   * wait for ACTIVE as they must on AWS. Mind that SDK waiters sleep `minDelay` (10 s for the
   * Kinesis ones) after their first check: pass a small `minDelay` or poll instead.
   */
  stateChangeDuration?: string;
  /**
   * With `dataDir`: how often kinesis-local rewrites its snapshot (PERSIST_INTERVAL). stop() always
   * writes a final one; the interval only bounds what a crash loses. Default '2s'.
   */
  persistInterval?: string;
  /** Deadline for each emulator to answer. Default 30 s. */
  startTimeoutMs?: number;
  /** Sink for emulator output lines (kinesis-local's log, s3rver's server errors). Default: discard. */
  log?: (line: string) => void;
}

export interface Emulators {
  region: string;
  /** `http://127.0.0.1:PORT`; `kinesisTls` is `https://` (self-signed, HTTP/2, for SubscribeToShard). */
  endpoints: { kinesis: string; kinesisTls: string; dynamodb: string; s3: string; sns: string };
  /** Where the local SNS endpoint writes every published message (`<topicName>.ndjson`). */
  snsSinkDir: string;
  /** Environment variables that point shared/aws clients at these emulators. */
  env: Record<string, string>;
  /** The kinesis-local child process. */
  kinesisPid: number;
  /** Stops all three; idempotent. With `dataDir`, resolves once their data is on disk. */
  stop(): Promise<void>;
}

const DEFAULTS = Object.freeze({
  region: 'us-east-1',
  stateChangeDuration: '100ms',
  persistInterval: '2s',
  startTimeoutMs: 30_000,
});

/**
 * Starts kinesis-local (a child process), dynalite, s3rver and the local SNS endpoint (in this
 * process) in parallel, with
 * their endpoints on 127.0.0.1, and resolves once each answers a real SDK call. If one fails, the others are stopped
 * before the error is rethrown. The kinesis-local child dies with this process, however it exits.
 *
 * @example
 * const emulators = await startEmulators({ dataDir: '.local/data' });
 * Object.assign(process.env, emulators.env); // before shared/aws creates its clients
 * // ...
 * await emulators.stop();
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const region = options.region ?? DEFAULTS.region;
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  const unlock = dataDir === undefined ? async () => undefined : await lockDataDir(dataDir);
  let started: Awaited<ReturnType<typeof startAll>>;
  try {
    if (options.wipe && dataDir !== undefined) {
      // An orphaned kinesis-local would otherwise rename its last snapshot into the emptied folder.
      const snapshotWaitMs = orphanSnapshotWaitMs(options.persistInterval ?? DEFAULTS.persistInterval);
      await waitForOrphanedKinesis(join(dataDir, 'kinesis'), snapshotWaitMs, options.log ?? (() => undefined));
      await wipeLockedDataDir(dataDir);
    }
    started = await startAll(options, region, dataDir);
  } catch (error) {
    await unlock();
    throw error;
  }
  const [kinesis, dynamodb, s3, sns] = started;
  let stopping: Promise<void> | undefined;
  return {
    region,
    endpoints: {
      kinesis: kinesis.endpoint,
      kinesisTls: kinesis.tlsEndpoint,
      dynamodb: dynamodb.endpoint,
      s3: s3.endpoint,
      sns: sns.endpoint,
    },
    snsSinkDir: sns.sinkDir,
    env: {
      ...environmentFor(region, kinesis.endpoint, kinesis.tlsEndpoint, dynamodb.endpoint, s3.endpoint),
      SNS_ENDPOINT: sns.endpoint,
    },
    kinesisPid: kinesis.pid,
    stop: () => {
      stopping ??= stopAll([kinesis, dynamodb, s3, sns]).finally(unlock);
      return stopping;
    },
  };
}

function startAll(options: EmulatorOptions, region: string, dataDir: string | undefined) {
  const log: Log = options.log ?? (() => undefined);
  const below = (name: string) => (dataDir === undefined ? undefined : join(dataDir, name));
  const ports = options.ports ?? {};
  // A failure aborts the siblings' readiness polls instead of letting them run to their deadline.
  const abort = new AbortController();
  const failFast = <T>(start: Promise<T>) =>
    start.catch((error: unknown) => {
      abort.abort(error);
      throw error;
    });
  const common = { region, timeoutMs: options.startTimeoutMs ?? DEFAULTS.startTimeoutMs, signal: abort.signal };
  return allOrNothing([
    failFast(
      startKinesis({
        ...common,
        plainPort: ports.kinesis ?? 0,
        tlsPort: ports.kinesisTls ?? 0,
        persistDir: below('kinesis'),
        persistInterval: options.persistInterval ?? DEFAULTS.persistInterval,
        stateChangeDuration: options.stateChangeDuration ?? DEFAULTS.stateChangeDuration,
        log,
        verbose: options.log !== undefined,
      }),
    ),
    failFast(startDynamoDb({ ...common, port: ports.dynamodb ?? 0, dir: below('dynamodb') })),
    failFast(startS3({ ...common, port: ports.s3 ?? 0, dir: below('s3'), log })),
    failFast(
      startSns({ port: ports.sns ?? 0, dir: below('sns'), region, accountId: options.accountId ?? '000000000000' }),
    ),
  ] as const);
}

function environmentFor(region: string, kinesis: string, kinesisTls: string, dynamodb: string, s3: string) {
  return {
    KINESIS_ENDPOINT: kinesis,
    KINESIS_TLS_ENDPOINT: kinesisTls,
    DYNAMODB_ENDPOINT: dynamodb,
    S3_ENDPOINT: s3,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // The switch @aws-sdk/core actually reads for its Node 20 NodeVersionSupportWarning.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

type Started<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> };

/** Waits for every start; if any failed, stops the ones that succeeded and throws. */
async function allOrNothing<T extends readonly Promise<{ stop(): Promise<void> }>[]>(starts: T): Promise<Started<T>> {
  const results = await Promise.allSettled(starts);
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length === 0) {
    return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as Started<T>;
  }
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  // A failure to stop is secondary here: the start failure is what the caller must see.
  await stopAll(started).catch(() => undefined);
  // The first failure is the cause; the others are mostly its abort rippling through the siblings.
  throw failures[0];
}

async function stopAll(emulators: readonly { stop(): Promise<void> }[]): Promise<void> {
  const results = await Promise.allSettled(emulators.map((emulator) => emulator.stop()));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length > 0) throw new AggregateError(failures, 'Stopping the local emulators failed');
}
