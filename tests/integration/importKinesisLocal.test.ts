import { access, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListStreamConsumersCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
} from '@aws-sdk/client-kinesis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulators } from '../../local/emulators.ts';
import { KinesisEngine } from '../../local/kinesis/engine/kinesisEngine.ts';
import { importKinesisLocal, KinesisLocalImportError } from '../../local/kinesis/importKinesisLocal.ts';
import { startKinesisEngine } from '../../local/kinesis/index.ts';
import { localClients } from '../../local/localClients.ts';
import { listShards, readAllRecords } from '../helpers/kinesisReader.ts';

/**
 * tests/fixtures/kinesis-local-snapshot.json was written by kinesis-local 0.6.2 itself: stream
 * `legacy` (2 shards, tags env=local and team=data, 48 h retention, 2048 KiB records, consumer
 * `reader`) holding `record <i>` for i = 0..19 under partition key `key-<i>`, every 4th one binary
 * (`bin <i>:` + the bytes 0..255); `legacy-empty` (1 shard, no records); `legacy-resharded` (shard 0
 * with `before-split 0..2`, split into shards 1 and 2 holding `after-split 0..5`, merged into
 * shard 3 holding `after-merge 0..2`).
 */
const FIXTURE = 'tests/fixtures/kinesis-local-snapshot.json';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const fixture = JSON.parse(await readFile(FIXTURE, 'utf8')) as {
  streams: Record<string, { shards: Record<string, Array<{ SequenceNumber: string }>> }>;
};

let root: string;
let kinesisDir: string;
let checkpointsFile: string;
let lines: string[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kp-import-'));
  kinesisDir = join(root, 'kinesis');
  checkpointsFile = join(root, 'checkpoints.json');
  lines = [];
  await mkdir(kinesisDir);
  await copyFile(FIXTURE, join(kinesisDir, 'kinesis-data.json'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function runImport() {
  const engine = await KinesisEngine.open({ dataDir: kinesisDir, region: REGION, stateChangeMs: 10 });
  try {
    return await importKinesisLocal({
      engine,
      kinesisDir,
      checkpointsFile,
      region: REGION,
      accountId: ACCOUNT,
      log: (line) => lines.push(line),
    });
  } finally {
    await engine.close();
  }
}

/** The engine on the imported data, served, with an SDK client. */
async function serve<T>(use: (client: KinesisClient) => Promise<T>): Promise<T> {
  const server = await startKinesisEngine({ dataDir: kinesisDir, region: REGION, port: 0 });
  const client = new KinesisClient({
    region: REGION,
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    return await use(client);
  } finally {
    client.destroy();
    await server.stop();
  }
}

const text = (data: Uint8Array | undefined) => Buffer.from(data ?? []).toString('latin1');
const expectedData = (i: number) =>
  i % 4 === 0 ? Buffer.concat([Buffer.from(`bin ${i}:`), ALL_BYTES]) : Buffer.from(`record ${i}`);

/** The old sequence numbers of a fixture shard, in order. */
function oldNumbers(stream: string, shardId: string): string[] {
  const shards = fixture.streams[`arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${stream}`]?.shards ?? {};
  const entry = Object.entries(shards).find(([key]) => JSON.parse(key).ShardId === shardId);
  return (entry?.[1] ?? []).map((record) => record.SequenceNumber);
}

describe('importing a kinesis-local snapshot at the first start', () => {
  it('re-creates every stream with its records per shard in order, byte for byte, and its settings', async () => {
    const result = await runImport();

    expect(result?.streams.map((s) => [s.name, s.records]).sort()).toEqual([
      ['legacy', 20],
      ['legacy-empty', 0],
      ['legacy-resharded', 12],
    ]);
    await expect(access(join(kinesisDir, 'kinesis-data.json'))).rejects.toThrow();
    await expect(access(join(kinesisDir, 'kinesis-data.json.imported'))).resolves.toBeUndefined();
    await serve(async (client) => {
      expect((await client.send(new ListStreamsCommand({}))).StreamNames?.sort()).toEqual([
        'legacy',
        'legacy-empty',
        'legacy-resharded',
      ]);
      const legacy = await readAllRecords(client, 'legacy');
      expect(legacy).toHaveLength(20);
      for (const record of legacy) {
        const i = Number(/^key-(\d+)$/.exec(record.PartitionKey ?? '')?.[1]);
        expect(Buffer.from(record.Data ?? []).equals(expectedData(i))).toBe(true);
      }
      // Each record on the shard kinesis-local had it on, in the same order.
      const byShard = (shardId: string) => legacy.filter((r) => r.shardId === shardId).map((r) => r.PartitionKey);
      const fixtureKeys = (shardId: string) =>
        Object.entries(fixture.streams[`arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/legacy`]?.shards ?? {})
          .find(([key]) => JSON.parse(key).ShardId === shardId)?.[1]
          .map((r) => (r as unknown as { PartitionKey: string }).PartitionKey);
      expect(byShard('shardId-000000000000')).toEqual(fixtureKeys('shardId-000000000000'));
      expect(byShard('shardId-000000000001')).toEqual(fixtureKeys('shardId-000000000001'));

      const summary = (await client.send(new DescribeStreamSummaryCommand({ StreamName: 'legacy' })))
        .StreamDescriptionSummary;
      expect(summary).toMatchObject({ RetentionPeriodHours: 48, MaxRecordSizeInKiB: 2048, OpenShardCount: 2 });
      expect((await client.send(new ListTagsForStreamCommand({ StreamName: 'legacy' }))).Tags).toEqual(
        expect.arrayContaining([
          { Key: 'env', Value: 'local' },
          { Key: 'team', Value: 'data' },
        ]),
      );
      const consumers = await client.send(
        new ListStreamConsumersCommand({ StreamARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/legacy` }),
      );
      expect(consumers.Consumers?.map((c) => c.ConsumerName)).toEqual(['reader']);
    });
  });

  it('replays splits and merges: the same shard lineage, each shard holding its own records', async () => {
    await runImport();

    await serve(async (client) => {
      const shards = await listShards(client, 'legacy-resharded');
      expect(shards.map((s) => [s.ShardId, s.ParentShardId, s.AdjacentParentShardId])).toEqual([
        ['shardId-000000000000', undefined, undefined],
        ['shardId-000000000001', 'shardId-000000000000', undefined],
        ['shardId-000000000002', 'shardId-000000000000', undefined],
        ['shardId-000000000003', 'shardId-000000000001', 'shardId-000000000002'],
      ]);
      const records = await readAllRecords(client, 'legacy-resharded');
      const on = (shardId: string) => records.filter((r) => r.shardId === shardId).map((r) => text(r.Data));
      expect(on('shardId-000000000000')).toEqual(['before-split 0', 'before-split 1', 'before-split 2']);
      expect(on('shardId-000000000001')).toEqual(['after-split 0', 'after-split 1', 'after-split 3', 'after-split 5']);
      expect(on('shardId-000000000002')).toEqual(['after-split 2', 'after-split 4']);
      expect(on('shardId-000000000003')).toEqual(['after-merge 0', 'after-merge 1', 'after-merge 2']);
    });
  });

  it('rewrites checkpoints to the new sequence numbers of the same records: nothing skipped, nothing twice', async () => {
    const shard0 = oldNumbers('legacy', 'shardId-000000000000');
    const before = (BigInt(shard0[0] as string) - 1n).toString();
    await writeFile(
      checkpointsFile,
      JSON.stringify({
        version: 1,
        mappings: {
          done4: { 'shardId-000000000000': { sequenceNumber: shard0[4], window: { startMs: 0, endMs: 1, state: {} } } },
          beforeAll: { 'shardId-000000000000': { sequenceNumber: before } },
          elsewhere: {
            'shardId-000000000009': { sequenceNumber: '49000000000000000000000000000000000000000000000000000001' },
          },
        },
      }),
    );

    await runImport();

    const translated = JSON.parse(await readFile(checkpointsFile, 'utf8'));
    expect(translated.mappings.done4['shardId-000000000000'].window).toEqual({ startMs: 0, endMs: 1, state: {} });
    expect(translated.mappings.elsewhere['shardId-000000000009']).toEqual({});
    expect(lines.join('\n')).toMatch(/elsewhere shardId-000000000009: no imported shard holds sequence number/);
    expect(await readFile(`${checkpointsFile}.kinesis-local`, 'utf8')).toContain(shard0[4]);
    await serve(async (client) => {
      const readAfter = async (sequenceNumber: string) => {
        const { ShardIterator } = await client.send(
          new GetShardIteratorCommand({
            StreamName: 'legacy',
            ShardId: 'shardId-000000000000',
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            StartingSequenceNumber: sequenceNumber,
          }),
        );
        return (await client.send(new GetRecordsCommand({ ShardIterator }))).Records ?? [];
      };
      const all = (await readAllRecords(client, 'legacy')).filter((r) => r.shardId === 'shardId-000000000000');
      const resumed = await readAfter(translated.mappings.done4['shardId-000000000000'].sequenceNumber);
      expect(resumed.map((r) => r.PartitionKey)).toEqual(all.slice(5).map((r) => r.PartitionKey));
      const fromStart = await readAfter(translated.mappings.beforeAll['shardId-000000000000'].sequenceNumber);
      expect(fromStart.map((r) => r.PartitionKey)).toEqual(all.map((r) => r.PartitionKey));
    });
  });

  it('does nothing at later starts: the snapshot was moved aside, the records are there once', async () => {
    await runImport();
    expect(await runImport()).toBeUndefined();

    await serve(async (client) => {
      expect(await readAllRecords(client, 'legacy')).toHaveLength(20);
    });
  });

  it('redoes an interrupted import from the start, without duplicates', async () => {
    await runImport();
    // As if the process died after the streams were written but before the snapshot was moved.
    await copyFile(FIXTURE, join(kinesisDir, 'kinesis-data.json'));
    await writeFile(join(kinesisDir, 'kinesis-data.json.importing'), 'interrupted\n');

    await runImport();

    await access(join(kinesisDir, 'kinesis-data.json.importing')).then(
      () => expect.unreachable('the marker is still there'),
      () => undefined,
    );
    await serve(async (client) => {
      expect(await readAllRecords(client, 'legacy')).toHaveLength(20);
      expect(await readAllRecords(client, 'legacy-resharded')).toHaveLength(12);
    });
  });

  it('refuses a snapshot it cannot read, saying how to start without it, and leaves it in place', async () => {
    const cut = (await readFile(FIXTURE, 'utf8')).slice(0, 500);
    await writeFile(join(kinesisDir, 'kinesis-data.json'), cut);

    const failed = runImport();

    await expect(failed).rejects.toThrow(KinesisLocalImportError);
    await expect(failed).rejects.toThrow(/not valid JSON.*mv .*kinesis-data\.json .*kinesis-data\.json\.unreadable/s);
    expect(await readFile(join(kinesisDir, 'kinesis-data.json'), 'utf8')).toBe(cut);
  });

  it('refuses a snapshot beside streams the engine already holds, naming both ways out', async () => {
    await runImport();
    await copyFile(FIXTURE, join(kinesisDir, 'kinesis-data.json'));

    await expect(runImport()).rejects.toThrow(/already holds streams \(legacy, .*move the snapshot away/s);
  });

  it('imports a shard of more records than a second of shard limits allows when the emulators start with them', async () => {
    // 1,500 records in one shard: replayed in batches of 500 within a second, over the 1,000
    // records/s a shard takes when --shard-limits is on; the import must not be throttled.
    const count = 1500;
    const snapshot = JSON.parse(await readFile(FIXTURE, 'utf8')) as {
      streams: Record<string, { shards: Record<string, unknown[]> }>;
    };
    const empty = snapshot.streams[`arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/legacy-empty`];
    const [shardKey] = Object.keys(empty?.shards ?? {});
    if (empty === undefined || shardKey === undefined) throw new Error('the fixture lost legacy-empty');
    const first = BigInt(JSON.parse(shardKey).SequenceNumberRange.StartingSequenceNumber);
    empty.shards[shardKey] = Array.from({ length: count }, (_, i) => ({
      ApproximateArrivalTimestamp: 1796304871.643,
      Data: Buffer.from(`bulk ${i}`).toString('base64'),
      EncryptionType: 'NONE',
      PartitionKey: `bulk-${i}`,
      SequenceNumber: (first + BigInt(i + 1) * 2n ** 64n).toString(),
    }));
    await writeFile(join(kinesisDir, 'kinesis-data.json'), JSON.stringify(snapshot));
    const emulators = await startEmulators({ dataDir: root, shardLimits: true, notify: (line) => lines.push(line) });
    const clients = localClients(emulators);
    try {
      const records = await readAllRecords(clients.kinesis, 'legacy-empty');
      expect(records.map((record) => text(record.Data))).toEqual(Array.from({ length: count }, (_, i) => `bulk ${i}`));
    } finally {
      for (const client of Object.values(clients)) client.destroy();
      await emulators.stop();
    }
  });

  it('forgets the marker of an import that finished but died before removing it, so a later snapshot is refused, not taken for half imported', async () => {
    await runImport();
    // As if the process died after the snapshot was moved aside but before the marker was removed.
    await writeFile(join(kinesisDir, 'kinesis-data.json.importing'), 'finished\n');
    const restarted = await startEmulators({ dataDir: root });
    await restarted.stop();
    await access(join(kinesisDir, 'kinesis-data.json.importing')).then(
      () => expect.unreachable('the stale marker is still there'),
      () => undefined,
    );
    // A snapshot dropped in later meets streams the engine holds: refused, nothing deleted.
    await copyFile(FIXTURE, join(kinesisDir, 'kinesis-data.json'));
    await expect(startEmulators({ dataDir: root })).rejects.toThrow(/already holds|move/i);
    await rm(join(kinesisDir, 'kinesis-data.json'));
    await serve(async (client) => {
      expect(await readAllRecords(client, 'legacy')).toHaveLength(20);
    });
  });

  it('happens when the emulators start on a data directory kinesis-local used, and says so', async () => {
    const notes: string[] = [];
    const emulators = await startEmulators({ dataDir: root, notify: (line) => notes.push(line) });
    const clients = localClients(emulators);
    try {
      expect(await readAllRecords(clients.kinesis, 'legacy')).toHaveLength(20);
      expect(notes.join('\n')).toMatch(/imported stream legacy: 2 shards, 20 records/);
      expect(notes.join('\n')).toMatch(/new sequence numbers/);
    } finally {
      for (const client of Object.values(clients)) client.destroy();
      await emulators.stop();
    }
  });
});
