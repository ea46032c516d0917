import { join, resolve } from 'node:path';
import { lockDataDir, wipeLockedDataDir } from './emulators/dataDirLock.ts';
import { startDynamoDb } from './emulators/dynamodb.ts';
import { startKinesis } from './emulators/kinesis.ts';
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
  /** Fixed ports; a missing one picks a free port. Every emulator listens on 127.0.0.1 only. */
  ports?: { kinesis?: number; dynamodb?: number; s3?: number; sns?: number };
  /** Default 'us-east-1'; the region of the Kinesis and SNS ARNs. */
  region?: string;
  /** The account of the Kinesis and SNS ARNs. Default '000000000000'. */
  accountId?: string;
  /**
   * How long the Kinesis engine keeps streams CREATING, UPDATING, DELETING and consumers CREATING
   * or DELETING, in ms. Default 100: short, yet callers still have to wait for ACTIVE as they must
   * on AWS. Mind that SDK waiters sleep `minDelay` (10 s for the Kinesis ones) after their first
   * check: pass a small `minDelay` or poll instead.
   */
  stateChangeMs?: number;
  /** The Kinesis engine enforces AWS's per-shard write and read limits (throttling). Default off. */
  shardLimits?: boolean;
  /** When the Kinesis engine acknowledges a write: 'os' (default; survives a SIGKILL) or 'fsync' (survives a power cut). */
  kinesisDurability?: 'os' | 'fsync';
  /** Deadline for each emulator to answer. Default 30 s. */
  startTimeoutMs?: number;
  /** Sink for s3rver's own failures (5xx answers, with their stack). Default: `notify`. */
  log?: (line: string) => void;
  /**
   * Lines a person should see even without `log`: what an import of kinesis-local's data did
   * (local/kinesis/importKinesisLocal.ts) and the Kinesis engine's own lines (a torn write
   * recovered after a crash, a request that failed inside it). Default console.log.
   */
  notify?: (line: string) => void;
}

export interface Emulators {
  region: string;
  /** `http://127.0.0.1:PORT`; Kinesis speaks HTTP/1.1 and cleartext HTTP/2 (SubscribeToShard) on its port. */
  endpoints: { kinesis: string; dynamodb: string; s3: string; sns: string };
  /** Where the local SNS endpoint writes every published message (`<topicName>.ndjson`). */
  snsSinkDir: string;
  /** Environment variables that point shared/aws clients at these emulators. */
  env: Record<string, string>;
  /** Stops them all; idempotent. With `dataDir`, resolves once their data is on disk. */
  stop(): Promise<void>;
}

const DEFAULTS = Object.freeze({
  region: 'us-east-1',
  stateChangeMs: 100,
  startTimeoutMs: 30_000,
});

/**
 * Starts the project's Kinesis engine (local/kinesis/), dynalite, s3rver and the local SNS endpoint,
 * all in this process, in parallel, with their endpoints on 127.0.0.1, and resolves once each
 * answers. If one fails, the others are stopped before the error is rethrown. At the first start on
 * a `dataDir` that kinesis-local used, its snapshot is imported into the engine first.
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
    if (options.wipe && dataDir !== undefined) await wipeLockedDataDir(dataDir);
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
      dynamodb: dynamodb.endpoint,
      s3: s3.endpoint,
      sns: sns.endpoint,
    },
    snsSinkDir: sns.sinkDir,
    env: {
      ...environmentFor(region, kinesis.endpoint, dynamodb.endpoint, s3.endpoint),
      SNS_ENDPOINT: sns.endpoint,
    },
    stop: () => {
      stopping ??= stopAll([kinesis, dynamodb, s3, sns]).finally(unlock);
      return stopping;
    },
  };
}

function startAll(options: EmulatorOptions, region: string, dataDir: string | undefined) {
  const notify: Log = options.notify ?? ((line) => console.log(line));
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
  const accountId = options.accountId ?? '000000000000';
  return allOrNothing([
    failFast(
      startKinesis({
        port: ports.kinesis ?? 0,
        region,
        accountId,
        dir: below('kinesis'),
        checkpointsFile: below('checkpoints.json'),
        stateChangeMs: options.stateChangeMs ?? DEFAULTS.stateChangeMs,
        shardLimits: options.shardLimits ?? false,
        durability: options.kinesisDurability ?? 'os',
        notify,
      }),
    ),
    failFast(startDynamoDb({ ...common, port: ports.dynamodb ?? 0, dir: below('dynamodb') })),
    // s3rver only reports its own failures (5xx) here: rare, and a person must see them.
    failFast(startS3({ ...common, port: ports.s3 ?? 0, dir: below('s3'), log: options.log ?? notify })),
    failFast(startSns({ port: ports.sns ?? 0, dir: below('sns'), region, accountId })),
  ] as const);
}

function environmentFor(region: string, kinesis: string, dynamodb: string, s3: string) {
  return {
    KINESIS_ENDPOINT: kinesis,
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
