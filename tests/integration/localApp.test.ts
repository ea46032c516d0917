import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamConsumerCommand, DescribeStreamSummaryCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildLocalTemplate, type LocalTemplateBuild } from '../../local/app/buildTemplate.ts';
import { TemplateBuildError } from '../../local/app/errors.ts';
import type { LocalApp, LocalFunction } from '../../local/app/model.ts';
import { provisionLocalApp } from '../../local/app/provision.ts';
import { readLocalApp } from '../../local/app/readTemplate.ts';
import { hashServiceInputs, readServiceInputs, writeServiceInputs } from '../../local/app/serviceInputs.ts';
import { startEmulators } from '../../local/emulators.ts';
import { localClients } from '../../local/localClients.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const region = 'us-east-1';

type Clients = ReturnType<typeof localClients>;

const cacheDir = await mkdtemp(join(tmpdir(), 'kinesis-pipeline-template-cache-'));
let first: LocalTemplateBuild;
let second: LocalTemplateBuild;
let secondBuildMs: number;
let app: LocalApp;

beforeAll(async () => {
  // A fresh cache folder, so the first call really packages.
  first = await buildLocalTemplate({ cacheDir });
  const startedAt = performance.now();
  second = await buildLocalTemplate({ cacheDir });
  secondBuildMs = performance.now() - startedAt;
  app = readLocalApp(second.template, { region, stage: 'local' });
});

afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const fn = (logicalId: string): LocalFunction => {
  const found = app.functions.find((candidate) => candidate.logicalId === logicalId);
  if (found === undefined) throw new Error(`no function ${logicalId}`);
  return found;
};
const tableName = (logicalId: string) => app.tables.find((table) => table.logicalId === logicalId)?.name;

describe('buildLocalTemplate', () => {
  it('packages once, then reuses the cached template while nothing changed', () => {
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.path).toBe(first.path);
    expect(second.template).toEqual(first.template);
    expect(secondBuildMs).toBeLessThan(1_000);
  });

  it('reuses the cached template after a function code edit: the local runtime runs the sources', async () => {
    // A copy of the service inside the repository, as the build needs, with one handler changed.
    await mkdir(join(repoRoot, '.local'), { recursive: true });
    const editedRoot = await mkdtemp(join(repoRoot, '.local', 'edited-service-'));
    try {
      await writeServiceInputs(await readServiceInputs(repoRoot), editedRoot);
      await appendFile(join(editedRoot, 'functions', 'ingest', 'handler.ts'), '\nexport const edited = true;\n');
      await appendFile(join(editedRoot, 'shared', 'errors.ts'), '\n// edited\n');
      const startedAt = performance.now();
      const build = await buildLocalTemplate({ rootDir: editedRoot, cacheDir });
      expect(build.cached).toBe(true);
      expect(build.path).toBe(first.path);
      expect(performance.now() - startedAt).toBeLessThan(1_000);
    } finally {
      await rm(editedRoot, { recursive: true, force: true });
    }
  });

  it('stops a build that fails in esbuild at once and reports the esbuild error', async () => {
    // A copy of the service with a syntax error, inside the repository so it finds node_modules.
    await mkdir(join(repoRoot, '.local'), { recursive: true });
    const brokenRoot = await mkdtemp(join(repoRoot, '.local', 'broken-service-'));
    try {
      await writeServiceInputs(await readServiceInputs(repoRoot), brokenRoot);
      await appendFile(join(brokenRoot, 'functions', 'ingest', 'handler.ts'), '\nexport const broken = ;\n');
      const startedAt = performance.now();
      const build = buildLocalTemplate({ rootDir: brokenRoot, cacheDir: join(brokenRoot, 'cache') });
      await expect(build).rejects.toThrow(TemplateBuildError);
      await expect(build).rejects.toThrow(/did not exit[\s\S]*Unexpected ";"/);
      // osls alone would hang until the 60 s limit.
      expect(performance.now() - startedAt).toBeLessThan(30_000);
    } finally {
      await rm(brokenRoot, { recursive: true, force: true });
    }
  });
});

describe('the template cache key', () => {
  let root: string;
  const write = async (path: string, text: string) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  };
  const key = async () => hashServiceInputs(await readServiceInputs(root), 'local');

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'kinesis-pipeline-service-inputs-'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a serverless.yml variable, written as the framework reads it.
    await write('serverless.yml', 'service: x\ncustom: ${file(./config/custom.yml)}\n');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a serverless.yml variable, written as the framework reads it.
    await write('config/custom.yml', 'limits: ${file(./config/limits.json)}\n');
    await write('config/limits.json', '{"max":1}');
    await write('package.json', '{}');
    await write('package-lock.json', '{}');
    await write('tsconfig.json', '{}');
    await write('functions/a/handler.ts', 'export const handler = () => 1;\n');
    await write('shared/util.ts', 'export const x = 1;\n');
    await write('node_modules/dep/index.js', '');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('holds serverless.yml, the lock files and the files serverless.yml reads (nested too); copies the code unkeyed', async () => {
    const files = await readServiceInputs(root);
    expect(files.filter((f) => f.keyed).map((f) => f.path)).toEqual([
      'config/custom.yml',
      'config/limits.json',
      'package-lock.json',
      'package.json',
      'serverless.yml',
    ]);
    expect(files.filter((f) => !f.keyed).map((f) => f.path)).toEqual([
      'functions/a/handler.ts',
      'shared/util.ts',
      'tsconfig.json',
    ]);
  });

  it('stays the same when function or shared code changes', async () => {
    const before = await key();
    await write('functions/a/handler.ts', 'export const handler = () => 2;\n');
    await write('shared/util.ts', 'export const x = 2;\n');
    expect(await key()).toBe(before);
  });

  it('changes with the params given to serverless package, and stays the same without any', async () => {
    const files = await readServiceInputs(root);
    const plain = hashServiceInputs(files, 'local');
    expect(hashServiceInputs(files, 'local', [])).toBe(plain);
    const raised = hashServiceInputs(files, 'local', ['--param', 'maxRecordSizeKiB=10240']);
    expect(raised).not.toBe(plain);
    expect(hashServiceInputs(files, 'local', ['--param', 'maxRecordSizeKiB=2048'])).not.toBe(raised);
  });

  it.each(['serverless.yml', 'config/custom.yml', 'config/limits.json', 'package-lock.json', 'package.json'])(
    'changes when %s changes',
    async (path) => {
      const before = await key();
      await appendFile(join(root, path), '\n');
      expect(await key()).not.toBe(before);
    },
  );
});

describe('readLocalApp on the real template', () => {
  const stream = () => app.streams[0];

  it('finds both functions with their handlers and an environment naming the local resources', () => {
    expect(fn('IngestLambdaFunction').handler).toBe('functions/ingest/handler.handler');
    expect(fn('AuthorizerLambdaFunction').handler).toBe('functions/authorizer/handler.handler');
    expect(app.streams).toHaveLength(1);
    expect(fn('IngestLambdaFunction').environment).toMatchObject({
      STREAM_NAME: stream()?.name,
      IDEMPOTENCY_TABLE: tableName('IdempotencyTable'),
    });
    expect(fn('AuthorizerLambdaFunction').environment.PRODUCERS_TABLE).toBe(tableName('ProducersTable'));
    expect(tableName('ProducersTable')).toBe('kinesis-pipeline-local-producers');
  });

  it('routes POST /events, GET /aggregates and GET /alerts behind the Lambda authorizer, GET / without', () => {
    const authorizer = expect.objectContaining({
      functionLogicalId: 'AuthorizerLambdaFunction',
      identitySource: ['$request.header.Authorization'],
    });
    const byKey = (a: { routeKey: string }, b: { routeKey: string }) => a.routeKey.localeCompare(b.routeKey);
    const expected = [
      // What the framework writes into the template's integration (TimeoutInMillis).
      { routeKey: 'POST /events', functionLogicalId: 'IngestLambdaFunction', integrationTimeoutMs: 30_000, authorizer },
      { routeKey: 'GET /aggregates', functionLogicalId: 'QueryLambdaFunction', authorizer },
      { routeKey: 'GET /alerts', functionLogicalId: 'QueryLambdaFunction', authorizer },
      { routeKey: 'GET /', functionLogicalId: 'DashboardLambdaFunction' },
    ].sort(byKey);
    expect([...app.routes].sort(byKey)).toEqual(expected.map((route) => expect.objectContaining(route)));
    expect(app.routes.find((route) => route.routeKey === 'GET /')?.authorizer).toBeUndefined();
  });

  it('gives the on-demand stream the local default of 4 shards', () => {
    expect(stream()).toEqual({
      logicalId: 'Stream',
      name: 'kinesis-pipeline-local-events',
      arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/kinesis-pipeline-local-events',
      shardCount: 4,
      retentionHours: 24,
      maxRecordSizeKiB: 1024,
    });
  });
});

async function expectProvisioned(clients: Clients, local: LocalApp): Promise<void> {
  for (const stream of local.streams) {
    const { StreamDescriptionSummary: summary } = await clients.kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: stream.name }),
    );
    expect(summary).toMatchObject({
      StreamStatus: 'ACTIVE',
      OpenShardCount: stream.shardCount,
      StreamARN: stream.arn,
      MaxRecordSizeInKiB: stream.maxRecordSizeKiB,
    });
  }
  for (const consumer of local.consumers) {
    const streamArn = local.streams.find((s) => s.logicalId === consumer.streamLogicalId)?.arn;
    const { ConsumerDescription } = await clients.kinesis.send(
      new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumer.name }),
    );
    expect(ConsumerDescription?.ConsumerStatus).toBe('ACTIVE');
  }
  for (const table of local.tables) {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: table.name }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual(table.definition.KeySchema);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(
      table.definition.GlobalSecondaryIndexes?.map((index) => index.IndexName),
    );
  }
  for (const bucket of local.buckets) {
    await expect(clients.s3.send(new HeadBucketCommand({ Bucket: bucket.name }))).resolves.toBeDefined();
  }
}

/** Names of the commands the clients send from now on. */
function recordCommands(clients: Clients): () => string[] {
  const spies = [vi.spyOn(clients.kinesis, 'send'), vi.spyOn(clients.dynamodb, 'send'), vi.spyOn(clients.s3, 'send')];
  return () => spies.flatMap((spy) => spy.mock.calls.map(([command]) => command.constructor.name));
}

describe('provisionLocalApp', () => {
  it('creates the stream, consumers, tables and buckets, and a second run changes nothing', async () => {
    const emulators = await startEmulators({ region });
    try {
      const clients = localClients(emulators);
      const local = app;
      // The real template has what provisioning must handle: consumers, buckets, topics, indexed tables.
      expect(local.consumers.length).toBeGreaterThanOrEqual(3);
      expect(local.topics.length).toBeGreaterThanOrEqual(1);
      expect(local.tables.some((table) => table.definition.GlobalSecondaryIndexes?.length)).toBe(true);
      await provisionLocalApp(local, clients);
      await expectProvisioned(clients, local);
      const calls = recordCommands(clients);
      await provisionLocalApp(local, clients);
      await expectProvisioned(clients, local);
      expect(calls()).not.toEqual([]);
      expect(calls().filter((name) => /^(Create|Register)/.test(name))).toEqual([]);

      // The record size limit raised in the template since the stream was made: updated in place.
      const raised = { ...local, streams: local.streams.map((stream) => ({ ...stream, maxRecordSizeKiB: 10_240 })) };
      await provisionLocalApp(raised, clients);
      await expectProvisioned(clients, raised);
      const [stream] = raised.streams;
      const big = Buffer.alloc(2 * 1024 * 1024, 'b');
      const put = await clients.kinesis.send(
        new PutRecordCommand({ StreamName: stream?.name, Data: big, PartitionKey: 'big' }),
      );
      expect(put.SequenceNumber).toBeDefined();
    } finally {
      await emulators.stop();
    }
  });

  it('refuses, naming both, a table kept from an older template whose keys differ from the declared ones', async () => {
    const emulators = await startEmulators({ region });
    try {
      const clients = localClients(emulators);
      const aggregates = app.tables.find((table) => table.logicalId === 'AggregatesTable');
      expect(aggregates).toBeDefined();
      // The aggregates table as it was before the per-shard parts: one item per key and minute.
      await clients.dynamodb.send(
        new CreateTableCommand({
          ...(aggregates?.definition as NonNullable<typeof aggregates>['definition']),
          AttributeDefinitions: ['pk', 'window', 'hour'].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'window', KeyType: 'RANGE' },
          ],
        }),
      );
      await expect(provisionLocalApp(app, clients)).rejects.toThrow(
        /table \S+-aggregate-parts: exists in the local data with keys \(pk HASH, window RANGE\) and index byHour \(hour HASH, window RANGE\), but the template declares \(pk HASH, sk RANGE\) .*npm start -- --fresh/,
      );
    } finally {
      await emulators.stop();
    }
  });

  it('finds everything again after a restart over persisted data, and keeps the data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kinesis-pipeline-provision-'));
    const table = tableName('ProducersTable') ?? '';
    const item = { tokenHash: { S: 'kept-across-restarts' } };
    try {
      const before = await startEmulators({ region, dataDir });
      try {
        await provisionLocalApp(app, localClients(before));
        await localClients(before).dynamodb.send(new PutItemCommand({ TableName: table, Item: item }));
      } finally {
        await before.stop();
      }
      const after = await startEmulators({ region, dataDir });
      try {
        const clients = localClients(after);
        await provisionLocalApp(app, clients);
        await expectProvisioned(clients, app);
        const { Item } = await clients.dynamodb.send(new GetItemCommand({ TableName: table, Key: item }));
        expect(Item).toEqual(item);
      } finally {
        await after.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
