import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStreamStore } from '../local/kinesis/storage/streamStore.ts';
import { machineDescription } from './machine.ts';

/**
 * Storage benchmark of the local Kinesis engine: the project's segment-file store against the same
 * workload on LevelDB (classic-level, present as a dependency of dynalite). Each backend runs in a
 * child process of its own so RSS figures are its alone. Run: `npx tsx bench/kinesisStorage.ts`.
 */

const RECORDS = 1_000_000;
const BATCH = 500;
const IN_FLIGHT = 4;
const SHARDS = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003'];
const DATA_BYTES = 450;
const SEEKS = 2_000;

type Kind = 'store' | 'level';

export interface BackendFigures {
  /** Appended records/s in each tenth of the fill. */
  appendPerTenth: number[];
  appendPerSecond: number;
  /** Records/s reading every shard start to end, 10,000 records per call. */
  scanPerSecond: number;
  /** Single-record reads at random positions, per second. */
  seeksPerSecond: number;
  peakRssMiB: number;
  diskMiB: number;
}

export interface StorageBenchResult {
  machine: string;
  records: number;
  store: BackendFigures;
  level: BackendFigures | { skipped: string };
}

interface Backend {
  append(batch: { shard: number; pk: string; data: Buffer }[]): Promise<void>;
  /** Reads up to `max` records of a shard from `position`; returns how many. */
  read(shard: number, position: number, max: number): Promise<number>;
  close(): Promise<void>;
}

async function openStore(dir: string): Promise<Backend> {
  const store = await openStreamStore({ dir, durability: 'os' });
  const limits = (max: number) => ({ maxRecords: max, maxBytes: 10 * 2 ** 20 });
  return {
    append: async (batch) => {
      const now = Date.now();
      await store.append(
        batch.map((r) => ({ shardId: SHARDS[r.shard] as string, partitionKey: r.pk, data: r.data, arrivalMs: now })),
      );
    },
    read: async (shard, position, max) => (await store.read(SHARDS[shard] as string, position, limits(max))).length,
    close: () => store.close(),
  };
}

/** LevelDB keyed by shard and big-endian position; positions counted in memory as the engine would. */
async function openLevel(dir: string): Promise<Backend> {
  const { ClassicLevel } = await import('classic-level');
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  const next = SHARDS.map(() => 0);
  const key = (shard: number, position: number) => {
    const k = Buffer.allocUnsafe(9);
    k[0] = shard;
    k.writeUIntBE(0, 1, 2);
    k.writeUIntBE(position, 3, 6);
    return k;
  };
  return {
    append: async (batch) => {
      const now = Date.now();
      const ops = batch.map((r) => {
        const head = Buffer.allocUnsafe(10);
        head.writeDoubleLE(now, 0);
        head.writeUInt16LE(Buffer.byteLength(r.pk), 8);
        const value = Buffer.concat([head, Buffer.from(r.pk), r.data]);
        const position = next[r.shard] ?? 0;
        next[r.shard] = position + 1;
        return { type: 'put' as const, key: key(r.shard, position), value };
      });
      await db.batch(ops, { sync: false });
    },
    read: async (shard, position, max) => {
      const iterator = db.iterator({ gte: key(shard, position), lt: key(shard + 1, 0), limit: max });
      try {
        return (await iterator.all()).length;
      } finally {
        await iterator.close();
      }
    },
    close: () => db.close(),
  };
}

/** The workload itself, in this process. */
async function measure(kind: Kind): Promise<BackendFigures> {
  const dir = await mkdtemp(join(tmpdir(), `kinesis-storage-bench-${kind}-`));
  let peakRss = process.memoryUsage.rss();
  try {
    const backend = kind === 'store' ? await openStore(dir) : await openLevel(dir);
    // Random bytes, so LevelDB's compression gains nothing the real (JSON) records would not give it either.
    const noise = randomBytes(2 ** 20);
    let sent = 0;
    const makeBatch = () =>
      Array.from({ length: BATCH }, () => {
        const i = sent++;
        const at = (i * 7_919) % (noise.length - DATA_BYTES);
        const copy = Buffer.from(noise.subarray(at, at + DATA_BYTES));
        return { shard: i % SHARDS.length, pk: `user-${i % 10_000}`, data: copy };
      });
    const tenth = RECORDS / 10;
    const appendPerTenth: number[] = [];
    const began = performance.now();
    let tenthBegan = began;
    while (sent < RECORDS) {
      const calls: Promise<void>[] = [];
      for (let i = 0; i < IN_FLIGHT && sent < RECORDS; i += 1) calls.push(backend.append(makeBatch()));
      await Promise.all(calls);
      if (sent % tenth === 0) {
        const now = performance.now();
        appendPerTenth.push(tenth / ((now - tenthBegan) / 1_000));
        tenthBegan = now;
        peakRss = Math.max(peakRss, process.memoryUsage.rss());
      }
    }
    const appendPerSecond = RECORDS / ((performance.now() - began) / 1_000);
    const scanBegan = performance.now();
    let scanned = 0;
    for (let shard = 0; shard < SHARDS.length; shard += 1) {
      for (let position = 0, got = 1; got > 0; position += got) got = await backend.read(shard, position, 10_000);
      scanned += RECORDS / SHARDS.length;
    }
    const scanPerSecond = scanned / ((performance.now() - scanBegan) / 1_000);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const seekBegan = performance.now();
    for (let i = 0; i < SEEKS; i += 1) {
      await backend.read(i % SHARDS.length, Math.floor(Math.random() * (RECORDS / SHARDS.length)), 1);
    }
    const seeksPerSecond = SEEKS / ((performance.now() - seekBegan) / 1_000);
    await backend.close();
    const diskMiB = Number((await du(dir)) / 2 ** 20);
    return { appendPerTenth, appendPerSecond, scanPerSecond, seeksPerSecond, peakRssMiB: peakRss / 2 ** 20, diskMiB };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function du(dir: string): Promise<number> {
  const { readdir, stat } = await import('node:fs/promises');
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Runs one backend in a child process; rejects with its stderr if it fails. */
function measureInChild(kind: Kind): Promise<BackendFigures> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--child', kind], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as BackendFigures);
      else reject(new Error(`${kind} benchmark exited ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}

/**
 * Both backends, one after the other, each in its own process.
 * @example const { store } = await runStorageBench(); store.appendPerSecond
 */
export async function runStorageBench(): Promise<StorageBenchResult> {
  const store = await measureInChild('store');
  const level = await measureInChild('level').catch((error: Error) => ({ skipped: error.message }));
  return { machine: machineDescription(), records: RECORDS, store, level };
}

/** The result as a markdown table. */
export function storageBenchTable(result: StorageBenchResult): string {
  const int = (value: number) => Math.round(value).toLocaleString('en-US');
  const level = 'skipped' in result.level ? undefined : result.level;
  const row = (label: string, pick: (f: BackendFigures) => string) =>
    `| ${label} | ${pick(result.store)} | ${level ? pick(level) : 'n/a'} |`;
  const lines = [
    `Storage: ${int(result.records)} records of ${DATA_BYTES} B in batches of ${BATCH} (${IN_FLIGHT} in flight) over ${SHARDS.length} shards; ${result.machine}`,
    '',
    '| figure | segment store | LevelDB (classic-level) |',
    '| --- | --- | --- |',
    row('append, records/s (whole fill)', (f) => int(f.appendPerSecond)),
    ...Array.from({ length: 10 }, (_, i) => row(`append, tenth ${i + 1}`, (f) => int(f.appendPerTenth[i] ?? 0))),
    row('sequential read, records/s', (f) => int(f.scanPerSecond)),
    row('random single-record reads/s', (f) => int(f.seeksPerSecond)),
    row('peak RSS, MiB', (f) => int(f.peakRssMiB)),
    row('on disk, MiB', (f) => int(f.diskMiB)),
  ];
  if ('skipped' in result.level) lines.push('', `LevelDB column skipped: ${result.level.skipped}`);
  return lines.join('\n');
}

const childKind = process.argv.includes('--child') ? (process.argv.at(-1) as Kind) : undefined;
if (childKind) {
  process.stdout.write(`${JSON.stringify(await measure(childKind))}\n`);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(storageBenchTable(await runStorageBench()));
}
