import {
  benchKinesisClient,
  createActiveStream,
  type FillResult,
  fillStream,
  type ReadBackResult,
  readBack,
} from './kinesisLoad.ts';
import { type KinesisServerProcess, spawnEngine, spawnKinesisLocal } from './kinesisServers.ts';
import { megabytes, rssBytes } from './processRss.ts';

export interface ServerRun {
  server: string;
  fill: FillResult;
  read: ReadBackResult;
  /** VmRSS in MB: idle with an empty stream, after each tenth of the fill, after reading it all back. */
  rssMb: { idle: number; tenths: number[]; afterRead: number };
}

export interface EngineComparison {
  engine: ServerRun;
  kinesisLocal: ServerRun;
  /** Engine's mean put rate over its first `kinesisLocal.fill.records` records. */
  engineRateAtKinesisLocalSize: number;
  settings: { batch: number; concurrency: number; shards: number; readLimit: number };
}

export interface EngineComparisonOptions {
  /** Records into the engine's stream. Default 1,000,000. */
  engineRecords?: number;
  /** Records into kinesis-local's (it slows down as its stream fills). Default 30,000. */
  kinesisLocalRecords?: number;
  progress?: (line: string) => void;
}

const SETTINGS = { batch: 500, concurrency: 4, shards: 4, readLimit: 10_000 };

async function measure(
  start: () => Promise<KinesisServerProcess>,
  records: number,
  mark: number | undefined,
): Promise<ServerRun> {
  const server = await start();
  const client = benchKinesisClient(server.endpoint);
  try {
    const stream = `bench-fill-${Date.now()}`;
    await createActiveStream(client, stream, SETTINGS.shards);
    const idle = megabytes(await rssBytes(server.pid));
    const tenths: number[] = [];
    const fill = await fillStream(client, stream, {
      records,
      batch: SETTINGS.batch,
      concurrency: SETTINGS.concurrency,
      ...(mark !== undefined ? { mark } : {}),
      onTenth: async () => {
        tenths.push(megabytes(await rssBytes(server.pid)));
      },
    });
    const read = await readBack(client, stream, SETTINGS.readLimit);
    if (read.records !== records) throw new Error(`${server.name}: read back ${read.records} of ${records} records`);
    const afterRead = megabytes(await rssBytes(server.pid));
    return { server: server.name, fill, read, rssMb: { idle, tenths, afterRead } };
  } finally {
    client.destroy();
    await server.stop();
  }
}

/**
 * The project's Kinesis engine against kinesis-local, each alone in a child process, driven by the
 * same client script (bench/kinesisLoad.ts): a 4-shard stream filled with PutRecords of 500
 * records of ~450 bytes, 4 calls in flight, the rate timed per tenth of the fill; then every record
 * read back with GetRecords of 10,000; the server's VmRSS along the way. kinesis-local gets a
 * shorter fill (it slows down as its stream grows); the engine's rate over the same first records
 * is the like-for-like comparison.
 *
 * @example
 * const comparison = await benchEngineVsKinesisLocal({ engineRecords: 1_000_000 });
 */
export async function benchEngineVsKinesisLocal(options: EngineComparisonOptions = {}): Promise<EngineComparison> {
  const { engineRecords = 1_000_000, kinesisLocalRecords = 30_000, progress = () => undefined } = options;
  progress(`kinesis-local: ${kinesisLocalRecords.toLocaleString('en-US')} records in, all read back ...`);
  const kinesisLocal = await measure(spawnKinesisLocal, kinesisLocalRecords, undefined);
  progress(`engine: ${engineRecords.toLocaleString('en-US')} records in, all read back ...`);
  const engine = await measure(spawnEngine, engineRecords, Math.min(kinesisLocalRecords, engineRecords));
  return {
    engine,
    kinesisLocal,
    engineRateAtKinesisLocalSize: engine.fill.markRecordsPerSecond ?? engine.fill.recordsPerSecond,
    settings: SETTINGS,
  };
}
