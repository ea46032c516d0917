import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventSourceMappingConfigError, type EventSourceMappingOptions } from '../../local/eventSourceMapping/index.ts';
import { start } from '../../local/runtime.ts';

// A start that fails half way must stop what it had started. The mappings are watched through the
// module the runtime starts them with: each one started, and whether it was stopped.
const startedMappings = vi.hoisted(() => [] as Array<{ logicalId: string; stopped: boolean }>);

vi.mock('../../local/eventSourceMapping/index.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../local/eventSourceMapping/index.ts')>();
  return {
    ...actual,
    startEventSourceMapping: (options: EventSourceMappingOptions) => {
      const handle = actual.startEventSourceMapping(options);
      const entry = { logicalId: options.mapping.logicalId, stopped: false };
      startedMappings.push(entry);
      return {
        stop: async () => {
          entry.stopped = true;
          await handle.stop();
        },
      };
    },
  };
});

/** A consumer with a valid mapping, then (in template order) one Lambda would reject: BatchSize 20000. */
const resources = (secondBatchSize: number) => ({
  ConsumerRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'e2e-consumer' } },
  ConsumerLambdaFunction: {
    Type: 'AWS::Lambda::Function',
    Properties: {
      FunctionName: 'e2e-consumer',
      Handler: 'tests/fixtures/lambdaBehaviours.nothing',
      Runtime: 'nodejs22.x',
      Timeout: 5,
      MemorySize: 256,
      Role: { 'Fn::GetAtt': ['ConsumerRole', 'Arn'] },
    },
  },
  FirstEventSourceMapping: mapping(100),
  SecondEventSourceMapping: mapping(secondBatchSize),
});

const mapping = (batchSize: number) => ({
  Type: 'AWS::Lambda::EventSourceMapping',
  Properties: {
    FunctionName: { 'Fn::GetAtt': ['ConsumerLambdaFunction', 'Arn'] },
    EventSourceArn: { 'Fn::GetAtt': ['Stream', 'Arn'] },
    StartingPosition: 'LATEST',
    BatchSize: batchSize,
  },
});

/** Resolves with a port free on 127.0.0.1 now, or tells whether `port` is. */
function listenOnce(port = 0): Promise<number | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

// Fixed ports, the same for every start: one process serves one pipeline's emulator endpoints.
let ports: { http: number; kinesis: number; dynamodb: number; s3: number; sns: number; lambda: number };
let localDir: string;

beforeAll(async () => {
  const free = async () => (await listenOnce()) ?? 0;
  ports = {
    http: await free(),
    kinesis: await free(),
    dynamodb: await free(),
    s3: await free(),
    sns: await free(),
    lambda: await free(),
  };
});

beforeEach(async () => {
  startedMappings.length = 0;
  localDir = await mkdtemp(join(tmpdir(), 'kp-e2e-failed-start-'));
});

async function expectEverythingStopped(): Promise<void> {
  for (const port of Object.values(ports)) expect(await listenOnce(port)).toBe(port);
  expect(existsSync(join(localDir, 'data', 'emulators.lock'))).toBe(false);
  expect(startedMappings.filter((m) => !m.stopped)).toEqual([]);
}

describe('a start() that fails half way', () => {
  it('stops the mappings already polling when a later one cannot start, then the emulators', async () => {
    const started = start({
      dataDir: join(localDir, 'data'),
      endpointsFile: join(localDir, 'endpoints.json'),
      ports,
      extraResources: resources(20_000),
      log: () => {},
    });

    await expect(started).rejects.toThrow(EventSourceMappingConfigError);
    // The template's own mappings, if any, come first; all of them and the valid extra one had started.
    expect(startedMappings.map((m) => m.logicalId)).toContain('FirstEventSourceMapping');
    expect(startedMappings.map((m) => m.logicalId)).not.toContain('SecondEventSourceMapping');
    expect(existsSync(join(localDir, 'endpoints.json'))).toBe(false);
    await expectEverythingStopped();
  });

  it('closes the HTTP API and stops the rest when the endpoints file cannot be written', async () => {
    // A file where the endpoints file's folder should be: mkdir fails after the HTTP API listens.
    await writeFile(join(localDir, 'not-a-folder'), '');
    const started = start({
      dataDir: join(localDir, 'data'),
      endpointsFile: join(localDir, 'not-a-folder', 'endpoints.json'),
      ports,
      extraResources: resources(100),
      log: () => {},
    });

    await expect(started).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(startedMappings.map((m) => m.logicalId)).toEqual(
      expect.arrayContaining(['FirstEventSourceMapping', 'SecondEventSourceMapping']),
    );
    await expectEverythingStopped();
  });
});
