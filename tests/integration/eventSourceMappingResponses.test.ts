import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { LocalEventSourceMapping, LocalStream } from '../../local/app/model.ts';
import {
  aMapping,
  dataOf,
  ROLE_ARN,
  type RunningTestFunction,
  SimulatedTimeout,
  sequencesOf,
  type TestEvent,
  type TestFunction,
} from '../helpers/esmFunctions.ts';
import { createTestStream, putRecords, until } from '../helpers/esmHarness.ts';
import { useEsmHarness } from '../helpers/esmSuite.ts';
import { readAllRecords } from '../helpers/kinesisReader.ts';

// Conformance of the local event source mapping: the event shape and how responses are read.
// Rules: shared/docs/kinesis-lambda-semantics.md, "Partial batch responses" and "Errors".

const REPORT = { functionResponseTypes: ['ReportBatchItemFailures'] };

/** The test-only definition: each function with its mapping (AWS defaults, overridden per rule). */
const functions = {
  /** Returns `response` to the first invoke, then succeeds. */
  respondsOnce: (
    response: (event: TestEvent) => unknown,
    overrides: Partial<LocalEventSourceMapping> = {},
  ): TestFunction => ({
    handler: async (event, call) => (call === 1 ? response(event) : undefined),
    mapping: aMapping({ ...REPORT, maximumRetryAttempts: 1, ...overrides }),
  }),
  /** Throws `error` at the first invoke, then succeeds. */
  throwsOnce: (error: Error): TestFunction => ({
    handler: async (_event, call) => {
      if (call === 1) throw error;
    },
    mapping: aMapping({ maximumRetryAttempts: 1 }),
  }),
} satisfies Record<string, (...args: never[]) => TestFunction>;

let stream: LocalStream;
let sequences: string[];

const esm = useEsmHarness(async (harness) => {
  stream = await createTestStream(harness);
  sequences = await putRecords(harness, stream, [
    { data: { n: 0 }, partitionKey: 'a' },
    { data: { n: 1 }, partitionKey: 'b' },
    { data: { n: 2 }, partitionKey: 'a' },
  ]);
});
const run = (fn: TestFunction) => esm.run(stream, fn);

const last = () => sequences.at(-1) as string;
const sequenceAt = (index: number) => sequences[index] as string;

describe('event shape', () => {
  it('delivers one shard in order, each record exactly as Lambda shapes it', async () => {
    const fn = run(functions.respondsOnce(() => undefined));
    await until(async () => (await fn.checkpoint()) === last());
    expect(fn.events).toHaveLength(1);
    const records = fn.events[0]?.Records ?? [];
    expect(records.map(dataOf)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    const [first] = records as [KinesisStreamRecord];
    expect(Object.keys(first).sort()).toEqual(
      [
        'awsRegion',
        'eventID',
        'eventName',
        'eventSource',
        'eventSourceARN',
        'eventVersion',
        'invokeIdentityArn',
        'kinesis',
      ].sort(),
    );
    expect(first).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'a',
        sequenceNumber: sequenceAt(0),
        data: Buffer.from('{"n":0}').toString('base64'),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequenceAt(0)}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: ROLE_ARN,
      awsRegion: esm.harness.region,
      eventSourceARN: stream.arn,
    });
    // Epoch seconds with a millisecond fraction: GetRecords' ApproximateArrivalTimestamp / 1000.
    const [stored] = await readAllRecords(esm.harness.kinesis, stream.name);
    expect(first.kinesis.approximateArrivalTimestamp).toBe(
      (stored?.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
    );
  });
});

describe('complete success forms', () => {
  const forms: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['null', null],
    ['{}', {}],
    ['""', ''],
    ['[]', []],
    ['{ batchItemFailures: [] }', { batchItemFailures: [] }],
    ['{ batchItemFailures: null }', { batchItemFailures: null }],
  ];
  it.each(forms)('%s completes the batch with no retry', async (_name, response) => {
    const fn = run(functions.respondsOnce(() => response));
    await until(async () => (await fn.checkpoint()) === last());
    expect(fn.events).toHaveLength(1);
    expect(fn.logs.map((line) => line.outcome)).toEqual(['ok']);
  });
});

describe('complete failure forms', () => {
  const failures = (items: unknown[]) => ({ batchItemFailures: items });
  const forms: Array<[string, (event: TestEvent) => unknown]> = [
    ['an empty itemIdentifier', () => failures([{ itemIdentifier: '' }])],
    ['a null itemIdentifier', () => failures([{ itemIdentifier: null }])],
    ['a wrong key name', (event) => failures([{ itemId: sequencesOf(event)[1] }])],
    ['a non-string id', (event) => failures([{ itemIdentifier: Number(sequencesOf(event)[1]) }])],
    ['a sequence number not in the batch', (event) => failures([{ itemIdentifier: `${sequencesOf(event)[2]}1` }])],
  ];
  it.each(forms)('%s fails the whole batch, which is retried whole', async (_name, response) => {
    const fn = run(functions.respondsOnce(response));
    await until(async () => (await fn.checkpoint()) === last());
    expect(fn.events.map(sequencesOf)).toEqual([sequences, sequences]);
    expect(fn.logs.map((line) => line.outcome)).toEqual(['error', 'ok']);
  });
});

describe('partial batch response', () => {
  it('checkpoints before the lowest reported sequence number and retries every record from it', async () => {
    const checkpointsAtInvoke: Array<string | undefined> = [];
    const fn: RunningTestFunction = run({
      handler: async (_event, call) => {
        checkpointsAtInvoke.push(await fn.checkpoint());
        // Reported out of order: the lowest (as BigInt) decides, not the first listed.
        if (call === 1)
          return { batchItemFailures: [{ itemIdentifier: sequenceAt(2) }, { itemIdentifier: sequenceAt(1) }] };
        return undefined;
      },
      mapping: aMapping({ ...REPORT, maximumRetryAttempts: 1 }),
    });
    await until(async () => (await fn.checkpoint()) === last());
    expect(fn.events.map(sequencesOf)).toEqual([sequences, sequences.slice(1)]);
    expect(checkpointsAtInvoke).toEqual([undefined, sequenceAt(0)]);
    expect(fn.logs.map((line) => line.outcome)).toEqual(['partial', 'ok']);
  });

  it('ignores a returned list when the mapping lacks ReportBatchItemFailures: the batch counts as a success', async () => {
    const fn = run(
      functions.respondsOnce((event) => ({ batchItemFailures: [{ itemIdentifier: sequencesOf(event)[0] }] }), {
        functionResponseTypes: [],
      }),
    );
    await until(async () => (await fn.checkpoint()) === last());
    expect(fn.events).toHaveLength(1);
    expect(fn.logs).toEqual([expect.objectContaining({ outcome: 'ok', detail: expect.stringMatching(/ignored/) })]);
  });
});

describe('function errors', () => {
  it('a thrown error fails the whole batch, which is retried whole', async () => {
    const fn = run(functions.throwsOnce(new TypeError('boom')));
    await until(async () => (await fn.checkpoint()) === last());
    expect(fn.events.map(sequencesOf)).toEqual([sequences, sequences]);
    expect(fn.logs.map((line) => [line.outcome, line.detail])).toEqual([
      ['error', 'TypeError: boom'],
      ['ok', undefined],
    ]);
  });

  it('a timeout fails the whole batch, which is retried whole', async () => {
    const fn = run(functions.throwsOnce(new SimulatedTimeout('Task timed out after 3.00 seconds')));
    await until(async () => (await fn.checkpoint()) === last());
    expect(fn.events.map(sequencesOf)).toEqual([sequences, sequences]);
    expect(fn.logs.map((line) => line.outcome)).toEqual(['timeout', 'ok']);
    expect(fn.logs[0]).toMatchObject({ functionName: 'esm-test', shardId: 'shardId-000000000000', batchSize: 3 });
  });
});
