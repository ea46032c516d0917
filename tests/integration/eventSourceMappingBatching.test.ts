import { GetRecordsCommand } from '@aws-sdk/client-kinesis';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalEventSourceMapping, LocalStream } from '../../local/app/model.ts';
import { encodeAggregated } from '../../shared/kinesis/kplAggregation.ts';
import {
  aMapping,
  dataOf,
  deliveredData,
  sizes,
  sleep,
  type TestEvent,
  type TestFunction,
} from '../helpers/esmFunctions.ts';
import { createTestStream, putRecords, until } from '../helpers/esmHarness.ts';
import { spyOnKinesis } from '../helpers/esmKinesisSpy.ts';
import { useEsmHarness } from '../helpers/esmSuite.ts';
import { readAllRecords } from '../helpers/kinesisReader.ts';

// Conformance of the local event source mapping: polling, batching, filtering and parallelization.
// Rules: shared/docs/kinesis-lambda-semantics.md, "Polling and batching".

/** The test-only definition: each function with its mapping (AWS defaults, overridden per rule). */
const functions = {
  succeeds: (overrides: Partial<LocalEventSourceMapping> = {}): TestFunction => ({
    handler: async () => undefined,
    mapping: aMapping(overrides),
  }),
  /** Takes `ms` per batch, so that batches overlap when the mapping allows it. */
  slow: (ms: number, overrides: Partial<LocalEventSourceMapping> = {}): TestFunction => ({
    handler: async () => {
      await sleep(ms);
    },
    mapping: aMapping(overrides),
  }),
} satisfies Record<string, (...args: never[]) => TestFunction>;

const esm = useEsmHarness();
const run = esm.run.bind(esm);

const numbered = (count: number, prefix = 'r') => Array.from({ length: count }, (_, i) => ({ data: `${prefix}${i}` }));

describe('batching', () => {
  it('cuts batches at BatchSize', async () => {
    const stream = await createTestStream(esm.harness);
    const sequences = await putRecords(esm.harness, stream, numbered(7));
    const fn = run(stream, functions.succeeds({ batchSize: 3 }));
    await until(async () => (await fn.checkpoint()) === sequences.at(-1));
    expect(sizes(fn.events)).toEqual([3, 3, 1]);
    expect(deliveredData(fn.events)).toEqual(numbered(7).map((r) => r.data));
  });

  it('waits up to MaximumBatchingWindowInSeconds to fill a batch', async () => {
    const stream = await createTestStream(esm.harness);
    const invokedAt: number[] = [];
    const fn = run(stream, {
      handler: async () => {
        invokedAt.push(Date.now());
      },
      mapping: aMapping({ maximumBatchingWindowInSeconds: 1 }),
    });
    const firstPut = Date.now();
    await putRecords(esm.harness, stream, numbered(2, 'early'));
    await sleep(300);
    const sequences = await putRecords(esm.harness, stream, numbered(3, 'late'));
    await until(async () => (await fn.checkpoint()) === sequences.at(-1));
    expect(sizes(fn.events)).toEqual([5]);
    expect((invokedAt[0] ?? 0) - firstPut).toBeGreaterThanOrEqual(900);
  });

  it('invokes at once without a batching window', async () => {
    const stream = await createTestStream(esm.harness);
    const fn = run(stream, functions.succeeds());
    const first = await putRecords(esm.harness, stream, numbered(2, 'early'));
    await until(async () => (await fn.checkpoint()) === first.at(-1));
    const earlyInvokes = fn.events.length;
    const second = await putRecords(esm.harness, stream, numbered(3, 'late'));
    await until(async () => (await fn.checkpoint()) === second.at(-1));
    // The early records went out without waiting for more, before the late ones existed. Records
    // are put one call each, so how a batch splits depends on when a poll lands between two
    // calls: only the totals before and after the late put are fixed.
    const total = (batches: number[]) => batches.reduce((sum, size) => sum + size, 0);
    expect(total(sizes(fn.events.slice(0, earlyInvokes)))).toBe(2);
    expect(total(sizes(fn.events.slice(earlyInvokes)))).toBe(3);
  });

  it('cuts a batch before its event would pass 6 MB (base64 data and metadata)', async () => {
    const stream = await createTestStream(esm.harness, { maxRecordSizeInKiB: 10_240 });
    // 1.6 MB of data is 2.13 MB in base64: two fit in 6 MB, three do not.
    const big = (tag: string) => ({ data: Buffer.concat([Buffer.from(tag), Buffer.alloc(1_600_000, 'x')]) });
    const sequences = await putRecords(esm.harness, stream, [big('a'), big('b'), big('c'), { data: 'small' }]);
    const fn = run(stream, functions.succeeds({ batchSize: 10 }));
    await until(async () => (await fn.checkpoint()) === sequences.at(-1), 30_000);
    expect(sizes(fn.events)).toEqual([2, 2]);
    for (const event of fn.events)
      expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});

describe('StartingPosition', () => {
  it('AT_TIMESTAMP starts at the first record that arrived at or after the timestamp', async () => {
    const stream = await createTestStream(esm.harness);
    await putRecords(esm.harness, stream, [{ data: 'before' }]);
    const [before] = await readAllRecords(esm.harness.kinesis, stream.name);
    const beforeMs = before?.ApproximateArrivalTimestamp?.getTime() ?? 0;
    await until(() => Date.now() > beforeMs + 20);
    const startMs = Date.now();
    const sequences = await putRecords(esm.harness, stream, [{ data: 'after-1' }, { data: 'after-2' }]);
    const mapping = { startingPosition: 'AT_TIMESTAMP' as const, startingPositionTimestamp: startMs / 1000 };
    const fn = run(stream, functions.succeeds(mapping));
    await until(async () => (await fn.checkpoint()) === sequences.at(-1));
    expect(deliveredData(fn.events)).toEqual(['after-1', 'after-2']);
  });

  it('LATEST delivers only records put after the mapping first read the shard', async () => {
    const stream = await createTestStream(esm.harness);
    await putRecords(esm.harness, stream, [{ data: 'before' }]);
    let reads = 0;
    const counting = spyOnKinesis(esm.harness.kinesis, {
      before: (command) => {
        if (command instanceof GetRecordsCommand) reads += 1;
      },
    });
    const fn = run(stream, functions.succeeds({ startingPosition: 'LATEST' }), { kinesis: counting });
    await until(() => reads > 0);
    const sequences = await putRecords(esm.harness, stream, [{ data: 'after' }]);
    await until(async () => (await fn.checkpoint()) === sequences.at(-1));
    expect(deliveredData(fn.events)).toEqual(['after']);
  });
});

describe('FilterCriteria', () => {
  let stream: LocalStream;
  let lastSequence: string;
  const records = [
    { type: 'error', level: 5, name: 'db-timeout' },
    { type: 'info', level: 1, name: 'web-hit', tag: 'x' },
    'not json at all',
    { type: 'error', level: 2, name: 'db-lock', tag: 'y' },
    { type: 'warn', level: 3, name: 'cache-miss' },
  ];
  beforeAll(async () => {
    stream = await createTestStream(esm.harness);
    const sequences = await putRecords(
      esm.harness,
      stream,
      records.map((data) => ({ data })),
    );
    lastSequence = sequences.at(-1) as string;
  });

  const cases: Array<[string, string[], string[]]> = [
    ['exact value', ['{"data":{"type":["error"]}}'], ['db-timeout', 'db-lock']],
    ['prefix', ['{"data":{"name":[{"prefix":"db-"}]}}'], ['db-timeout', 'db-lock']],
    ['numeric range', ['{"data":{"level":[{"numeric":[">",1,"<=",3]}]}}'], ['db-lock', 'cache-miss']],
    ['exists', ['{"data":{"tag":[{"exists":true}]}}'], ['web-hit', 'db-lock']],
    ['does not exist', ['{"data":{"tag":[{"exists":false}]}}'], ['db-timeout', 'cache-miss']],
    ['anything-but', ['{"data":{"type":[{"anything-but":["error","info"]}]}}'], ['cache-miss']],
    ['two filters, ORed', ['{"data":{"type":["warn"]}}', '{"data":{"level":[5]}}'], ['db-timeout', 'cache-miss']],
    [
      'a pattern without data (non-JSON data matches)',
      ['{}'],
      ['db-timeout', 'web-hit', 'RAW', 'db-lock', 'cache-miss'],
    ],
  ];
  it.each(cases)(
    '%s: delivers only matching records and checkpoints past the others',
    async (_name, patterns, expected) => {
      const fn = run(stream, functions.succeeds({ filterPatterns: patterns }));
      await until(async () => (await fn.checkpoint()) === lastSequence);
      const names = fn.events.flatMap((event: TestEvent) =>
        event.Records.map((record) => {
          const data = dataOf(record);
          return data.startsWith('{') ? (JSON.parse(data) as { name: string }).name : 'RAW';
        }),
      );
      expect(names).toEqual(expected);
    },
  );
});

describe('KPL-aggregated records', () => {
  // Lambda does not deaggregate: the function gets the Kinesis record, and filters see its data,
  // which is not JSON (shared/docs/kinesis-lambda-semantics.md, "KPL aggregation").
  const aggregated = encodeAggregated(
    ['db-timeout', 'db-lock'].map((name) => ({
      partitionKey: 'key',
      data: Buffer.from(JSON.stringify({ type: 'error', name })),
    })),
  );

  it('delivers an aggregated record as one record, its bytes unchanged', async () => {
    const stream = await createTestStream(esm.harness);
    const [sequence] = await putRecords(esm.harness, stream, [{ data: aggregated }]);
    const fn = run(stream, functions.succeeds());
    await until(async () => (await fn.checkpoint()) === sequence);
    const delivered = fn.events.flatMap((event: TestEvent) => event.Records);
    expect(delivered).toHaveLength(1);
    expect(Buffer.from(delivered[0]?.kinesis.data ?? '', 'base64').equals(Buffer.from(aggregated))).toBe(true);
  });

  it('filters an aggregated record out on a data pattern its user records would match', async () => {
    const stream = await createTestStream(esm.harness);
    const [sequence] = await putRecords(esm.harness, stream, [{ data: aggregated }]);
    const fn = run(stream, functions.succeeds({ filterPatterns: ['{"data":{"type":["error"]}}'] }));
    await until(async () => (await fn.checkpoint()) === sequence);
    expect(fn.events).toEqual([]);
  });
});

describe('ParallelizationFactor', () => {
  it('runs up to that many batches of one shard at once, in order per partition key', async () => {
    const stream = await createTestStream(esm.harness);
    const keys = Array.from({ length: 8 }, (_, i) => `key-${i}`);
    const inputs = Array.from({ length: 6 }, (_, round) =>
      keys.map((key) => ({ data: `${key}:${round}`, partitionKey: key })),
    ).flat();
    const sequences = await putRecords(esm.harness, stream, inputs);
    let active = 0;
    let maxActive = 0;
    const activeKeys = new Set<string>();
    let keyOverlap = false;
    const fn = run(stream, {
      handler: async (event) => {
        const batchKeys = [...new Set(event.Records.map((record) => record.kinesis.partitionKey))];
        if (batchKeys.some((key) => activeKeys.has(key))) keyOverlap = true;
        for (const key of batchKeys) activeKeys.add(key);
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(60);
        active -= 1;
        for (const key of batchKeys) activeKeys.delete(key);
      },
      mapping: aMapping({ parallelizationFactor: 4, batchSize: 3 }),
    });
    await until(async () => (await fn.checkpoint()) === sequences.at(-1));
    expect(maxActive).toBeGreaterThan(1);
    expect(maxActive).toBeLessThanOrEqual(4);
    expect(keyOverlap).toBe(false);
    const delivered = deliveredData(fn.events);
    expect([...delivered].sort()).toEqual(inputs.map((input) => input.data).sort());
    for (const key of keys) {
      const rounds = delivered.filter((data) => data.startsWith(`${key}:`)).map((data) => Number(data.split(':')[1]));
      expect(rounds).toEqual([0, 1, 2, 3, 4, 5]);
    }
  });
});

describe('settings', () => {
  const stream: LocalStream = {
    logicalId: 'S',
    name: 'unused',
    arn: 'arn:aws:kinesis:us-east-1:0:stream/unused',
    shardCount: 1,
    retentionHours: 24,
    maxRecordSizeKiB: 1024,
  };
  const invalid: Array<[string, Partial<LocalEventSourceMapping>, RegExp]> = [
    ['BatchSize over 10,000', { batchSize: 10_001 }, /BatchSize/],
    ['MaximumRecordAgeInSeconds under 60', { maximumRecordAgeInSeconds: 30 }, /MaximumRecordAgeInSeconds/],
    ['MaximumRetryAttempts under -1', { maximumRetryAttempts: -2 }, /MaximumRetryAttempts/],
    ['ParallelizationFactor over 10', { parallelizationFactor: 11 }, /ParallelizationFactor/],
    ['a filter on a key other than data', { filterPatterns: ['{"partitionKey":["a"]}'] }, /"data" only/],
    ['an unsupported filter operator', { filterPatterns: ['{"data":{"ip":[{"cidr":"10.0.0.0/8"}]}}'] }, /cidr/],
    [
      'an SQS destination without a stand-in directory',
      { onFailureDestinationArn: 'arn:aws:sqs:us-east-1:0:dlq' },
      /failureStandInDir/,
    ],
  ];
  it.each(invalid)('rejects %s at start, naming the setting', (_name, overrides, message) => {
    expect(() => run(stream, functions.succeeds(overrides))).toThrow(message);
  });
});
