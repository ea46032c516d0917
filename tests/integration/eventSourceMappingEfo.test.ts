import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  type SubscribeToShardCommandInput,
} from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalEventSourceMapping, LocalStream } from '../../local/app/model.ts';
import {
  type CheckpointStore,
  MemoryCheckpointStore,
  startEventSourceMapping,
} from '../../local/eventSourceMapping/index.ts';
import { startKinesisEngine } from '../../local/kinesis/index.ts';
import type { InvokeResult } from '../../local/lambda/types.ts';
import { aMapping, deliveredData, FUNCTION_ARN, ROLE_ARN, type TestEvent } from '../helpers/esmFunctions.ts';
import { until } from '../helpers/esmHarness.ts';

// Enhanced fan-out in the local event source mapping, against the project's Kinesis engine over
// HTTP/2: a mapping through a stream consumer reads by SubscribeToShard (pushed), renews the
// subscription from its ContinuationSequenceNumber, follows a reshard parent-first, and survives an
// engine restart. Rules: shared/docs/kinesis-lambda-semantics.md (Reading: enhanced fan-out).

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
/** Short subscriptions, so that a test sees many renewals (AWS: 5 minutes). */
const SUBSCRIPTION_MS = 300;
/** Long enough that a polling reader could not deliver within any deadline below. */
const NEVER_POLL_MS = 60_000;

type Engine = Awaited<ReturnType<typeof startKinesisEngine>>;

let dataDir: string;
let engine: Engine;
let kinesis: KinesisClient;
let s3: S3Client;
const stops: Array<() => Promise<void>> = [];

/** GetRecords calls the engine served, from any client. */
let engineGetRecords = 0;

async function startEngine(port = 0): Promise<Engine> {
  const started = await startKinesisEngine({
    port,
    dataDir,
    region: REGION,
    subscriptionMs: SUBSCRIPTION_MS,
    stateChangeMs: 20,
  });
  // The wire layer looks the method up per request: counting on the instance sees every call.
  const { engine: api } = started;
  const getRecords = api.getRecords.bind(api);
  api.getRecords = (input) => {
    engineGetRecords += 1;
    return getRecords(input);
  };
  return started;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'esm-efo-'));
  engine = await startEngine();
  // Like the local runtime's client: HTTP/1.1, the SDK's normal retries.
  kinesis = new KinesisClient({
    region: REGION,
    credentials,
    endpoint: engine.endpoint,
    requestHandler: new NodeHttpHandler(),
  });
  // No test here has an on-failure destination: the client is never called.
  s3 = new S3Client({ region: REGION, credentials, endpoint: 'http://127.0.0.1:9' });
});

afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

afterAll(async () => {
  kinesis?.destroy();
  s3?.destroy();
  await engine?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A fresh ACTIVE stream with an ACTIVE consumer registered on it. */
async function streamWithConsumer(shardCount = 1): Promise<{ stream: LocalStream; consumerName: string }> {
  const name = `efo-${randomUUID().slice(0, 8)}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  const arn = await until(async () => {
    const { StreamDescriptionSummary: summary } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: name }),
    );
    return summary?.StreamStatus === 'ACTIVE' ? summary.StreamARN : undefined;
  });
  const consumerName = `${name}-consumer`;
  await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: consumerName }));
  await until(async () => {
    const { ConsumerDescription } = await kinesis.send(
      new DescribeStreamConsumerCommand({ StreamARN: arn, ConsumerName: consumerName }),
    );
    return ConsumerDescription?.ConsumerStatus === 'ACTIVE';
  });
  const stream = { logicalId: 'TestStream', name, arn, shardCount, retentionHours: 24, maxRecordSizeKiB: 1024 };
  return { stream, consumerName };
}

/** Puts records one call each (so in order) with one partition key; returns their sequence numbers. */
async function put(stream: LocalStream, data: readonly string[], partitionKey = 'key'): Promise<string[]> {
  const sequences: string[] = [];
  for (const item of data) {
    const { SequenceNumber } = await kinesis.send(
      new PutRecordCommand({ StreamName: stream.name, Data: Buffer.from(item), PartitionKey: partitionKey }),
    );
    sequences.push(SequenceNumber as string);
  }
  return sequences;
}

/** Counts (or records the input of) every call of one command that goes through `client`. */
function observe<T>(client: KinesisClient, commandName: string, seen: T[]): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === commandName) seen.push(args.input as T);
      return next(args);
    },
    { step: 'initialize', name: `observe${commandName}${randomUUID()}` },
  );
}

interface RunningEfo {
  events: TestEvent[];
  delivered(): string[];
  /** Every SubscribeToShard the mapping made, in order. */
  subscribes: SubscribeToShardCommandInput[];
  /** Every GetRecords the mapping made. */
  getRecords: unknown[];
  checkpoints: CheckpointStore;
  stop(): Promise<void>;
}

/** Runs a mapping through the consumer with a function that records every event and succeeds. */
function runEfo(
  stream: LocalStream,
  consumerName: string,
  mapping: LocalEventSourceMapping,
  options: {
    pollIntervalMs?: number;
    checkpoints?: CheckpointStore;
    /** Let the mapping build its own HTTP/2 client from its HTTP/1.1 one (then `subscribes` stays empty). */
    defaultSubscribeClient?: boolean;
    /** What the function answers to its nth call (from 1); default: success, no response. */
    answer?: (call: number, event: TestEvent) => InvokeResult;
  } = {},
): RunningEfo {
  const events: TestEvent[] = [];
  const subscribes: SubscribeToShardCommandInput[] = [];
  const getRecords: unknown[] = [];
  const { endpoint } = engine;
  const mappingClient = new KinesisClient({
    region: REGION,
    credentials,
    endpoint,
    requestHandler: new NodeHttpHandler(),
  });
  const subscribeClient = new KinesisClient({
    region: REGION,
    credentials,
    endpoint,
    maxAttempts: 1,
    requestHandler: new NodeHttp2Handler(),
  });
  observe(mappingClient, 'GetRecordsCommand', getRecords);
  observe(subscribeClient, 'SubscribeToShardCommand', subscribes);
  const checkpoints = options.checkpoints ?? new MemoryCheckpointStore();
  const handle = startEventSourceMapping({
    mapping,
    stream,
    functionName: 'efo-test',
    functionArn: FUNCTION_ARN,
    roleArn: ROLE_ARN,
    region: REGION,
    invoke: async (event) => {
      const received = structuredClone(event) as TestEvent;
      events.push(received);
      return options.answer?.(events.length, received) ?? succeeded(undefined);
    },
    kinesis: mappingClient,
    consumerName,
    ...(options.defaultSubscribeClient ? {} : { subscribeClient }),
    s3,
    checkpoints,
    pollIntervalMs: options.pollIntervalMs ?? NEVER_POLL_MS,
    warn: () => undefined,
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= handle.stop().finally(() => {
      mappingClient.destroy();
      subscribeClient.destroy();
    });
    return stopping;
  };
  stops.push(stop);
  return { events, delivered: () => deliveredData(events), subscribes, getRecords, checkpoints, stop };
}

const succeeded = (response: unknown): InvokeResult => ({ ok: true, response, durationMs: 1, requestId: randomUUID() });
const failed = (): InvokeResult => ({
  ok: false,
  error: { errorType: 'Error', errorMessage: 'failing on purpose', timedOut: false },
  durationMs: 1,
  requestId: randomUUID(),
});

const efoMapping = (overrides: Partial<LocalEventSourceMapping> = {}) =>
  aMapping({ consumerLogicalId: 'TestConsumer', ...overrides });
const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe('a mapping through a stream consumer', () => {
  it('receives records by SubscribeToShard push, without GetRecords, even with a 60 s poll interval', async () => {
    const { stream, consumerName } = await streamWithConsumer();
    const getRecordsBefore = engineGetRecords;
    const fn = runEfo(stream, consumerName, efoMapping({ batchSize: 10 }));
    await put(stream, ['a0']);
    await until(() => fn.delivered().length === 1, 15_000);
    // The mapping is caught up: a polling reader would now wait 60 s before reading again.
    await put(stream, ['a1', 'a2', 'a3']);
    await until(() => fn.delivered().length === 4, 15_000);
    expect(fn.delivered()).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(fn.getRecords).toHaveLength(0);
    expect(engineGetRecords - getRecordsBefore).toBe(0);
    expect(fn.subscribes[0]).toMatchObject({
      ShardId: 'shardId-000000000000',
      StartingPosition: { Type: 'TRIM_HORIZON' },
    });
    expect(fn.subscribes[0]?.ConsumerARN).toMatch(new RegExp(`/consumer/${consumerName}:\\d+$`));
  });

  it('renews each ended subscription from its ContinuationSequenceNumber: across many renewals nothing is lost or repeated', async () => {
    const { stream, consumerName } = await streamWithConsumer();
    const fn = runEfo(stream, consumerName, efoMapping({ batchSize: 2 }));
    const written: string[] = [];
    await until(() => fn.subscribes.length > 0);
    for (let round = 0; round < 8; round++) {
      const subscribedBefore = fn.subscribes.length;
      const data = numbered(`r${round}-`, 3);
      await put(stream, data);
      written.push(...data);
      // Wait out at least one renewal before the next round's writes.
      await until(() => fn.subscribes.length > subscribedBefore, 15_000);
    }
    await until(() => fn.delivered().length >= written.length, 15_000);
    expect(fn.delivered()).toEqual(written);
    expect(fn.subscribes.length).toBeGreaterThan(8);
    for (const renewal of fn.subscribes.slice(1)) {
      expect(renewal.StartingPosition?.Type).toBe('AFTER_SEQUENCE_NUMBER');
    }
  });

  it('resumes after its checkpoint when restarted, like a polling mapping', async () => {
    const { stream, consumerName } = await streamWithConsumer();
    const checkpoints = new MemoryCheckpointStore();
    const mapping = efoMapping({ batchSize: 3 });
    const first = runEfo(stream, consumerName, mapping, { checkpoints });
    const sequences = await put(stream, numbered('a', 5));
    await until(
      async () =>
        (await checkpoints.get(mapping.logicalId, 'shardId-000000000000'))?.sequenceNumber === sequences.at(-1),
    );
    await first.stop();
    await put(stream, numbered('b', 4));
    // Same mapping, same checkpoints: a restart, which may meet the engine still closing the old subscription.
    const second = runEfo(stream, consumerName, mapping, { checkpoints });
    await until(() => second.delivered().length === 4, 15_000);
    expect(first.delivered()).toEqual(numbered('a', 5));
    expect(second.delivered()).toEqual(numbered('b', 4));
    expect(second.subscribes[0]?.StartingPosition).toEqual({
      Type: 'AFTER_SEQUENCE_NUMBER',
      SequenceNumber: sequences.at(-1),
    });
  });

  it('a split while writing one key: the parent shard is delivered to its end before the child, in write order', async () => {
    const { stream, consumerName } = await streamWithConsumer();
    const mapping = efoMapping({ batchSize: 5 });
    const fn = runEfo(stream, consumerName, mapping);
    const written: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await put(stream, [`k${i}`], 'one-key');
        written.push(`k${i}`);
      }
    })();
    try {
      await until(() => written.length >= 30);
      await kinesis.send(
        new SplitShardCommand({
          StreamName: stream.name,
          ShardToSplit: 'shardId-000000000000',
          NewStartingHashKey: (2n ** 127n).toString(),
        }),
      );
      const atSplit = written.length;
      await until(() => written.length >= atSplit + 30);
    } finally {
      writing = false;
      await writer;
    }
    await until(() => fn.delivered().length >= written.length, 20_000);
    expect(fn.delivered()).toEqual(written);
    const shardsInOrder = fn.events.map((event) => event.Records[0]?.eventID.split(':')[0]);
    const firstChild = shardsInOrder.findIndex((shardId) => shardId !== 'shardId-000000000000');
    expect(firstChild).toBeGreaterThan(0);
    expect(shardsInOrder.slice(firstChild)).not.toContain('shardId-000000000000');
    expect(await fn.checkpoints.get(mapping.logicalId, 'shardId-000000000000')).toMatchObject({ shardEnded: true });
  });
});

describe('a mapping through a stream consumer retrying a batch', () => {
  // A push has no next poll to wait for: with a 60 s poll interval these retries come within the
  // deadlines only if the mapping does not wait a poll interval between them.
  it('retries a failed batch without waiting a poll interval, the same records again, then moves on', async () => {
    const { stream, consumerName } = await streamWithConsumer();
    // Written before the mapping starts, so that its first event (and batch) holds all four.
    await put(stream, numbered('a', 4));
    const fn = runEfo(stream, consumerName, efoMapping({ batchSize: 10 }), {
      answer: (call) => (call <= 3 ? failed() : succeeded(undefined)),
    });
    await until(() => fn.events.length >= 4, 15_000);
    await put(stream, ['b0']);
    await until(() => fn.delivered().includes('b0'), 15_000);
    const batches = fn.events.map((event) => deliveredData([event]));
    expect(batches.slice(0, 4)).toEqual(Array.from({ length: 4 }, () => numbered('a', 4)));
    expect(batches.slice(4).flat()).toEqual(['b0']);
  });

  it('retries from the first failed record of a partial batch response without waiting a poll interval', async () => {
    const { stream, consumerName } = await streamWithConsumer();
    await put(stream, numbered('a', 4));
    const fn = runEfo(
      stream,
      consumerName,
      efoMapping({ batchSize: 10, functionResponseTypes: ['ReportBatchItemFailures'] }),
      {
        answer: (call, event) => {
          const third = event.Records[2]?.kinesis.sequenceNumber;
          return call === 1 ? succeeded({ batchItemFailures: [{ itemIdentifier: third }] }) : succeeded(undefined);
        },
      },
    );
    await until(() => fn.events.length >= 2, 15_000);
    expect(fn.events.map((event) => deliveredData([event]))).toEqual([numbered('a', 4), ['a2', 'a3']]);
  });
});

describe('a mapping through a stream consumer when the engine restarts', () => {
  it('resubscribes once the engine is back, from the last record it received: nothing lost or repeated', async () => {
    const { stream, consumerName } = await streamWithConsumer();
    const fn = runEfo(stream, consumerName, efoMapping({ batchSize: 4 }), { defaultSubscribeClient: true });
    await put(stream, numbered('before', 6));
    await until(() => fn.delivered().length === 6, 15_000);
    const { port } = engine;
    await engine.stop();
    engine = await startEngine(port);
    await put(stream, numbered('after', 6));
    await until(() => fn.delivered().length >= 12, 20_000);
    expect(fn.delivered()).toEqual([...numbered('before', 6), ...numbered('after', 6)]);
    expect(fn.getRecords).toHaveLength(0);
  });
});
