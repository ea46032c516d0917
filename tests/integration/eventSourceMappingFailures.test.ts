import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LocalEventSourceMapping, LocalStream } from '../../local/app/model.ts';
import { mappingUuid } from '../../local/eventSourceMapping/index.ts';
import {
  aMapping,
  dataOf,
  deliveredData,
  FUNCTION_ARN,
  type RunOptions,
  sequencesOf,
  sizes,
  type TestFunction,
} from '../helpers/esmFunctions.ts';
import { createBucket, createTestStream, putRecords, readObjects, until } from '../helpers/esmHarness.ts';
import { useEsmHarness } from '../helpers/esmSuite.ts';
import { readAllRecords } from '../helpers/kinesisReader.ts';

// Conformance of the local event source mapping: retries, bisect, record age and on-failure
// destinations. Rules: shared/docs/kinesis-lambda-semantics.md, "Errors".

/** The test-only definition: each function with its mapping (AWS defaults, overridden per rule). */
const functions = {
  /** Fails (throws) on every record whose data is "bad". */
  failsOnBad: (overrides: Partial<LocalEventSourceMapping>): TestFunction => ({
    handler: async (event) => {
      if (event.Records.some((record) => dataOf(record) === 'bad')) throw new Error('bad record');
    },
    mapping: aMapping(overrides),
  }),
  /** Always throws. */
  alwaysThrows: (overrides: Partial<LocalEventSourceMapping>): TestFunction => ({
    handler: async () => {
      throw new Error('always');
    },
    mapping: aMapping(overrides),
  }),
  /** Always returns an invalid batch response. */
  alwaysInvalid: (overrides: Partial<LocalEventSourceMapping>): TestFunction => ({
    handler: async () => ({ batchItemFailures: [{ itemIdentifier: '' }] }),
    mapping: aMapping({ functionResponseTypes: ['ReportBatchItemFailures'], ...overrides }),
  }),
  /** Reports every record whose data is "bad" as failed. */
  reportsBad: (overrides: Partial<LocalEventSourceMapping>): TestFunction => ({
    handler: async (event) => ({
      batchItemFailures: event.Records.filter((record) => dataOf(record) === 'bad').map((record) => ({
        itemIdentifier: record.kinesis.sequenceNumber,
      })),
    }),
    mapping: aMapping({ functionResponseTypes: ['ReportBatchItemFailures'], ...overrides }),
  }),
  /** Succeeds. */
  succeeds: (overrides: Partial<LocalEventSourceMapping>): TestFunction => ({
    handler: async () => undefined,
    mapping: aMapping(overrides),
  }),
} satisfies Record<string, (overrides: Partial<LocalEventSourceMapping>) => TestFunction>;

let bucket: string;

const esm = useEsmHarness(async (harness) => {
  bucket = await createBucket(harness);
});

async function runOn(data: string[], fn: TestFunction, options: RunOptions = {}) {
  const stream = await createTestStream(esm.harness);
  const sequences = await putRecords(
    esm.harness,
    stream,
    data.map((item) => ({ data: item })),
  );
  return { fn: esm.run(stream, fn, options), stream, sequences };
}

const s3Destination = () => ({ onFailureDestinationArn: `arn:aws:s3:::${bucket}` });

/** Failure records written for this mapping. */
async function failureObjects(mapping: LocalEventSourceMapping) {
  const prefix = `aws/lambda/${mappingUuid(mapping.logicalId)}/`;
  return (await readObjects(esm.harness, bucket)).filter((object) => object.key.startsWith(prefix));
}

describe('BisectBatchOnFunctionError', () => {
  it('halves a failing batch down to the one bad record, without using retries', async () => {
    const data = ['0', '1', '2', '3', '4', 'bad', '6', '7'];
    const fn = functions.failsOnBad({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 0, ...s3Destination() });
    const { fn: running, sequences } = await runOn(data, fn);
    await until(async () => (await running.checkpoint()) === sequences.at(-1));
    expect(sizes(running.events)).toEqual([8, 4, 4, 2, 1, 1, 2]);
    const [failure] = await failureObjects(fn.mapping);
    expect(failure?.body.KinesisBatchInfo).toMatchObject({ startSequenceNumber: sequences[5], batchSize: 1 });
    expect(deliveredData(running.events.filter((_, index) => running.results[index]?.ok))).toEqual(
      data.filter((item) => item !== 'bad'),
    );
  });

  it('splits at the returned sequence number on a partial response, without using a retry', async () => {
    const fn = functions.reportsBad({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 0, ...s3Destination() });
    const { fn: running, sequences } = await runOn(['0', '1', '2', 'bad', '4', '5'], fn);
    await until(async () => (await running.checkpoint()) === sequences.at(-1));
    // [0..5] reports 3: split there. [3..5] reports 3, its first: halves [3,4] and [5]. [3,4] reports 3:
    // halves [3] and [4]. [3] fails with no retry left and is discarded; [4], then [5], succeed.
    expect(running.events.map(sequencesOf)).toEqual([
      sequences,
      sequences.slice(3),
      sequences.slice(3, 5),
      sequences.slice(3, 4),
      sequences.slice(4, 5),
      sequences.slice(5),
    ]);
    expect(running.logs.filter((line) => line.outcome === 'discarded')).toHaveLength(1);
  });
});

describe('retries exhausted', () => {
  it('a function that throws: the exact failure record in S3, with the payload, then moves on', async () => {
    const fn = functions.alwaysThrows({ maximumRetryAttempts: 2, ...s3Destination() });
    const { fn: running, stream, sequences } = await runOn(['a', 'b', 'c'], fn);
    const [object] = await until(async () => {
      const objects = await failureObjects(fn.mapping);
      return objects.length > 0 && objects;
    });
    expect(running.events).toHaveLength(3);
    const stored = await readAllRecords(esm.harness.kinesis, stream.name);
    const arrival = (index: number) => stored[index]?.ApproximateArrivalTimestamp?.toISOString();
    const { payload, ...record } = object?.body ?? {};
    expect(record).toEqual({
      requestContext: {
        requestId: running.results[2]?.requestId,
        functionArn: FUNCTION_ARN,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: sequences[0],
        endSequenceNumber: sequences[2],
        approximateArrivalOfFirstRecord: arrival(0),
        approximateArrivalOfLastRecord: arrival(2),
        batchSize: 3,
        streamArn: stream.arn,
      },
    });
    expect(typeof payload).toBe('string');
    expect(JSON.parse(payload as string)).toEqual(running.events[2]);
    // aws/lambda/<mapping UUID>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>, from the timestamp (UTC).
    const [day, time] = (record.timestamp as string).split('T') as [string, string];
    const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
    expect(object?.key).toMatch(
      new RegExp(
        `^aws/lambda/${mappingUuid(fn.mapping.logicalId)}/shardId-000000000000/${day.replaceAll('-', '/')}/${day}T${time.slice(0, 8).replaceAll(':', '.')}-${uuid}$`,
      ),
    );
    expect(mappingUuid(fn.mapping.logicalId)).toMatch(new RegExp(`^${uuid}$`));
    // Then the mapping moves past the discarded records.
    await until(async () => (await running.checkpoint()) === sequences.at(-1));
    expect(running.logs.map((line) => line.outcome)).toEqual(['error', 'error', 'error', 'discarded']);
  });

  it('an invalid batch response: functionError null', async () => {
    const fn = functions.alwaysInvalid({ maximumRetryAttempts: 1, ...s3Destination() });
    const { fn: running } = await runOn(['a', 'b'], fn);
    const [object] = await until(async () => {
      const objects = await failureObjects(fn.mapping);
      return objects.length > 0 && objects;
    });
    expect(running.events).toHaveLength(2);
    expect(object?.body).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: null },
      KinesisBatchInfo: { batchSize: 2 },
    });
  });

  it('partial-batch retries count, and the record covers only the records retried', async () => {
    const fn = functions.reportsBad({ maximumRetryAttempts: 2, ...s3Destination() });
    const { fn: running, sequences } = await runOn(['0', '1', 'bad', '3'], fn);
    await until(async () => (await running.checkpoint()) === sequences.at(-1));
    expect(running.events.map(sequencesOf)).toEqual([sequences, sequences.slice(2), sequences.slice(2)]);
    const [object] = await failureObjects(fn.mapping);
    expect(object?.body).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      responseContext: { functionError: null },
      KinesisBatchInfo: { startSequenceNumber: sequences[2], endSequenceNumber: sequences[3], batchSize: 2 },
    });
  });
});

describe('MaximumRecordAgeInSeconds', () => {
  it('discards only the expired prefix before the invoke (RecordAgeExceeded, no responseContext)', async () => {
    const stream = await createTestStream(esm.harness);
    const old = await putRecords(esm.harness, stream, [{ data: 'old-1' }, { data: 'old-2' }]);
    const lastOldArrival = (await arrivals(stream)).at(-1) ?? 0;
    await until(() => Date.now() > lastOldArrival + 300);
    const fresh = await putRecords(esm.harness, stream, [{ data: 'new-1' }, { data: 'new-2' }]);
    const stored = await arrivals(stream);
    const [lastOld, firstNew] = [stored[1] as number, stored[2] as number];
    // A clock 60 s later, midway: the old records are over 60 s old, the new ones not yet.
    const now = () => firstNew + 60_000 - Math.floor((firstNew - lastOld) / 2);
    const fn = functions.succeeds({ maximumRecordAgeInSeconds: 60, ...s3Destination() });
    const running = esm.run(stream, fn, { now });
    await until(async () => (await running.checkpoint()) === fresh.at(-1));
    expect(deliveredData(running.events)).toEqual(['new-1', 'new-2']);
    const [object] = await failureObjects(fn.mapping);
    expect(object?.body).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 0 },
      KinesisBatchInfo: { startSequenceNumber: old[0], endSequenceNumber: old[1], batchSize: 2 },
    });
    expect(object?.body).not.toHaveProperty('responseContext');
    expect(JSON.parse(object?.body.payload as string).Records.map(dataOf)).toEqual(['old-1', 'old-2']);
  });
});

async function arrivals(stream: LocalStream): Promise<number[]> {
  return (await readAllRecords(esm.harness.kinesis, stream.name)).map(
    (r) => r.ApproximateArrivalTimestamp?.getTime() ?? 0,
  );
}

describe('SQS and SNS destinations', () => {
  it('append the metadata record (no payload) to <failureStandInDir>/<name>.ndjson', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'esm-standin-'));
    try {
      const fn = functions.alwaysThrows({
        maximumRetryAttempts: 0,
        onFailureDestinationArn: 'arn:aws:sqs:us-east-1:000000000000:orders-dlq',
      });
      const { fn: running, sequences } = await runOn(['a'], fn, { failureStandInDir: dir });
      await until(async () => (await running.checkpoint()) === sequences.at(-1));
      const lines = (await readFile(join(dir, 'orders-dlq.ndjson'), 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(1);
      const record = JSON.parse(lines[0] as string);
      expect(record).toMatchObject({
        requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 },
        responseContext: { functionError: 'Unhandled' },
        KinesisBatchInfo: { startSequenceNumber: sequences[0], batchSize: 1 },
      });
      expect(record).not.toHaveProperty('payload');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('records over the 6 MB invoke payload', () => {
  it('a record too large to ever invoke goes straight to the destination, even with retries forever', async () => {
    const stream = await createTestStream(esm.harness, { maxRecordSizeInKiB: 10_240 });
    // 4.8 MB of data is 6.4 MB in base64: over the limit on its own.
    const big = Buffer.alloc(4_800_000, 'x');
    const sequences = await putRecords(esm.harness, stream, [{ data: 'small-1' }, { data: big }, { data: 'small-2' }]);
    const fn = functions.succeeds({ ...s3Destination() });
    const running = esm.run(stream, fn);
    await until(async () => (await running.checkpoint()) === sequences.at(-1), 30_000);
    expect(running.events.map(sequencesOf)).toEqual([[sequences[0]], [sequences[2]]]);
    const [object] = await failureObjects(fn.mapping);
    expect(object?.body).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 0 },
      KinesisBatchInfo: { startSequenceNumber: sequences[1], endSequenceNumber: sequences[1], batchSize: 1 },
    });
    expect(object?.body).not.toHaveProperty('responseContext');
  });
});
