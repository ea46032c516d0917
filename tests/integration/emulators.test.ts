import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DataDirInUseError,
  EmulatorStartError,
  type Emulators,
  pollUntil,
  startEmulators,
} from '../../local/emulators.ts';
import { localClients } from '../../local/localClients.ts';

type Clients = ReturnType<typeof localClients>;

async function createActiveStream(kinesis: KinesisClient, streamName: string, shardCount: number) {
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  await pollUntil(
    async () => {
      const { StreamDescriptionSummary } = await kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      );
      return StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
    },
    { what: `stream ${streamName} ACTIVE`, timeoutMs: 10_000 },
  );
}

/** Every record of the stream from TRIM_HORIZON, shard by shard. */
async function readStream(kinesis: KinesisClient, streamName: string): Promise<Map<string, _Record[]>> {
  const byShard = new Map<string, _Record[]>();
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  for (const { ShardId } of Shards) {
    const records: _Record[] = [];
    let { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (ShardIterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      records.push(...(page.Records ?? []));
      if ((page.Records ?? []).length === 0) break;
      ShardIterator = page.NextShardIterator;
    }
    byShard.set(ShardId ?? '?', records);
  }
  return byShard;
}

async function createActiveTable(dynamodb: DynamoDBClient, tableName: string) {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await pollUntil(
    async () => {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
      return Table?.TableStatus === 'ACTIVE' ? true : undefined;
    },
    { what: `table ${tableName} ACTIVE`, timeoutMs: 10_000 },
  );
}

async function readObject(s3: S3Client, bucket: string, key: string) {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { contentType: object.ContentType, bytes: Buffer.from((await object.Body?.transformToByteArray()) ?? []) };
}

/** Every byte value, so that an encoding slip anywhere on the way shows. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function destroyAll(clients: Clients) {
  for (const client of Object.values(clients)) client.destroy();
}

describe('startEmulators, in memory', () => {
  let emulators: Emulators;
  let clients: Clients;

  beforeAll(async () => {
    emulators = await startEmulators();
    clients = localClients(emulators);
  });

  afterAll(async () => {
    if (clients) destroyAll(clients);
    await emulators?.stop();
  });

  it('exposes loopback endpoints and the environment for shared/aws clients', () => {
    expect(emulators.endpoints.kinesis).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulators.env).toMatchObject({
      KINESIS_ENDPOINT: emulators.endpoints.kinesis,
      DYNAMODB_ENDPOINT: emulators.endpoints.dynamodb,
      S3_ENDPOINT: emulators.endpoints.s3,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
  });

  it('Kinesis: a 2-shard stream returns put records byte for byte, each on the shard of its key', async () => {
    const streamName = 'roundtrip';
    await createActiveStream(clients.kinesis, streamName, 2);
    const sent = Array.from({ length: 20 }, (_, i) => ({
      PartitionKey: `key-${i}`,
      Data: Buffer.concat([Buffer.from(`record ${i}:`), ALL_BYTES]),
    }));

    const put = await clients.kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: sent }));

    expect(put.FailedRecordCount).toBe(0);
    const expected = new Map<string, { shardId: string; partitionKey: string; data: Buffer }>();
    put.Records?.forEach((entry, i) => {
      const record = sent[i];
      if (entry.SequenceNumber && entry.ShardId && record) {
        expected.set(entry.SequenceNumber, {
          shardId: entry.ShardId,
          partitionKey: record.PartitionKey,
          data: record.Data,
        });
      }
    });
    expect(expected.size).toBe(sent.length);
    // These fixed keys hash to both halves of the key space: both shards are exercised.
    expect(new Set([...expected.values()].map((e) => e.shardId)).size).toBe(2);

    const byShard = await pollUntil(
      async () => {
        const read = await readStream(clients.kinesis, streamName);
        return [...read.values()].flat().length === sent.length ? read : undefined;
      },
      { what: 'all records readable', timeoutMs: 10_000 },
    );
    for (const [shardId, records] of byShard) {
      for (const record of records) {
        const want = expected.get(record.SequenceNumber ?? '');
        expect(want).toBeDefined();
        expect(shardId).toBe(want?.shardId);
        expect(record.PartitionKey).toBe(want?.partitionKey);
        expect(Buffer.from(record.Data ?? []).equals(want?.data ?? Buffer.alloc(0))).toBe(true);
      }
    }
  });

  it('DynamoDB: a created table stores and returns an item', async () => {
    await createActiveTable(clients.dynamodb, 'items');
    const item = { id: { S: 'a' }, count: { N: '42' }, blob: { B: ALL_BYTES }, tags: { SS: ['x', 'y'] } };

    await clients.dynamodb.send(new PutItemCommand({ TableName: 'items', Item: item }));
    const { Item } = await clients.dynamodb.send(
      new GetItemCommand({ TableName: 'items', Key: { id: { S: 'a' } }, ConsistentRead: true }),
    );

    expect(Item).toEqual({ ...item, blob: { B: new Uint8Array(ALL_BYTES) } });
  });

  it('S3: a bucket stores and returns an object, with path-style addressing and local credentials', async () => {
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'objects' }));

    await clients.s3.send(
      new PutObjectCommand({
        Bucket: 'objects',
        Key: 'dir/file.bin',
        Body: ALL_BYTES,
        ContentType: 'application/octet-stream',
      }),
    );

    expect(await readObject(clients.s3, 'objects', 'dir/file.bin')).toEqual({
      contentType: 'application/octet-stream',
      bytes: ALL_BYTES,
    });
  });
});

describe('startEmulators, persisting under dataDir', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'emulators-test-'));
  });

  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps streams and records, items and objects across stop() and a new start', async () => {
    const options = { dataDir };
    const first = await startEmulators(options);
    const before = localClients(first);
    await createActiveStream(before.kinesis, 'kept', 2);
    const put = await before.kinesis.send(
      new PutRecordsCommand({ StreamName: 'kept', Records: [{ PartitionKey: 'p', Data: ALL_BYTES }] }),
    );
    await createActiveTable(before.dynamodb, 'kept');
    await before.dynamodb.send(new PutItemCommand({ TableName: 'kept', Item: { id: { S: 'k' }, v: { S: 'value' } } }));
    await before.s3.send(new CreateBucketCommand({ Bucket: 'kept' }));
    await before.s3.send(new PutObjectCommand({ Bucket: 'kept', Key: 'k.bin', Body: ALL_BYTES }));
    // Clients left open on purpose: their keep-alive connections must not hold the shutdown.

    await first.stop();

    await expect(first.stop()).resolves.toBeUndefined();
    destroyAll(before);

    const second = await startEmulators(options);
    const after = localClients(second);
    try {
      const records = [...(await readStream(after.kinesis, 'kept')).values()].flat();
      expect(records.map((r) => r.SequenceNumber)).toEqual([put.Records?.[0]?.SequenceNumber]);
      expect(Buffer.from(records[0]?.Data ?? []).equals(ALL_BYTES)).toBe(true);
      const { Item } = await after.dynamodb.send(new GetItemCommand({ TableName: 'kept', Key: { id: { S: 'k' } } }));
      expect(Item?.v).toEqual({ S: 'value' });
      expect((await readObject(after.s3, 'kept', 'k.bin')).bytes.equals(ALL_BYTES)).toBe(true);
    } finally {
      destroyAll(after);
      await second.stop();
    }
  });
});

describe('startEmulators with wipe', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'emulators-wipe-test-'));
  });

  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a data directory in use (DataDirInUseError) and leaves its data alone', async () => {
    const running = await startEmulators({ dataDir });
    const clients = localClients(running);
    try {
      await createActiveStream(clients.kinesis, 'in-use', 1);
      await writeFile(join(dataDir, 'checkpoints.json'), '{"kept":true}');
      const before = (await readdir(dataDir)).sort();

      await expect(startEmulators({ dataDir, wipe: true })).rejects.toThrow(DataDirInUseError);

      expect((await readdir(dataDir)).sort()).toEqual(before);
      expect(await readFile(join(dataDir, 'checkpoints.json'), 'utf8')).toBe('{"kept":true}');
      expect((await clients.kinesis.send(new ListStreamsCommand({}))).StreamNames).toEqual(['in-use']);
    } finally {
      destroyAll(clients);
      await running.stop();
    }
  });

  it('empties a free data directory before starting: persisted streams and other files are gone', async () => {
    // What the previous test left: a stream persisted by stop() and a file beside the emulators' data.
    expect(await readdir(dataDir)).toContain('checkpoints.json');

    const wiped = await startEmulators({ dataDir, wipe: true });
    const clients = localClients(wiped);
    try {
      expect(await readdir(dataDir)).not.toContain('checkpoints.json');
      expect((await clients.kinesis.send(new ListStreamsCommand({}))).StreamNames).toEqual([]);
    } finally {
      destroyAll(clients);
      await wiped.stop();
    }
  });
});

describe('startEmulators, failing', () => {
  it('rejects when a fixed port is taken, and releases what the others had bound', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const takenPort = (blocker.address() as { port: number }).port;
    const kinesisPort = await freeLoopbackPort();
    try {
      const start = startEmulators({ ports: { dynamodb: takenPort, kinesis: kinesisPort } });

      await expect(start).rejects.toThrow(EmulatorStartError);
      await expect(start).rejects.toMatchObject({ emulator: 'dynamodb', cause: { code: 'EADDRINUSE' } });
      // The Kinesis engine was stopped with the rest: its fixed port can be bound again.
      await expect(freeLoopbackPort(kinesisPort)).resolves.toBe(kinesisPort);
    } finally {
      blocker.close();
    }
  });
});

function freeLoopbackPort(port = 0): Promise<number> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}
