import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type ListShardsCommandOutput,
  SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalEventSourceMapping } from '../../local/app/model.ts';
import { FileCheckpointStore, MemoryCheckpointStore } from '../../local/eventSourceMapping/index.ts';
import { aMapping, deliveredData, runTestFunction, sleep, type TestFunction } from '../helpers/esmFunctions.ts';
import { createTestStream, putRecords, until } from '../helpers/esmHarness.ts';
import { spyOnKinesis } from '../helpers/esmKinesisSpy.ts';
import { useEsmHarness } from '../helpers/esmSuite.ts';

// Conformance of the local event source mapping: checkpoints and restarts, resharding, fan-out
// isolation, iterator expiry. Rules: shared/docs/kinesis-lambda-semantics.md and issue 3.

/** The test-only definition: each function with its mapping (AWS defaults, overridden per rule). */
const functions = {
  succeeds: (overrides: Partial<LocalEventSourceMapping> = {}): TestFunction => ({
    handler: async () => undefined,
    mapping: aMapping(overrides),
  }),
  alwaysThrows: (overrides: Partial<LocalEventSourceMapping> = {}): TestFunction => ({
    handler: async () => {
      throw new Error('always');
    },
    mapping: aMapping(overrides),
  }),
} satisfies Record<string, (...args: never[]) => TestFunction>;

let dir: string;
const esm = useEsmHarness(async () => {
  dir = await mkdtemp(join(tmpdir(), 'esm-checkpoints-'));
});
const run = esm.run.bind(esm);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const numbered = (count: number) => Array.from({ length: count }, (_, i) => ({ data: `r${i}` }));
const expectedData = (from: number, to: number) =>
  numbered(to)
    .slice(from)
    .map((r) => r.data);

describe('checkpoints across a restart', () => {
  it('a crash mid-batch: the restart resumes from the file checkpoint, redelivering only the in-flight batch', async () => {
    const stream = await createTestStream(esm.harness);
    const sequences = await putRecords(esm.harness, stream, numbered(10));
    const file = join(dir, 'crash.json');
    const mapping = aMapping({ batchSize: 2 });
    let releaseHung: (() => void) | undefined;
    const crashed = runTestFunction(
      esm.harness,
      stream,
      {
        mapping,
        // The third batch never returns: the process "dies" with it in flight.
        handler: (_event, call) =>
          call === 3
            ? new Promise((_resolve, reject) => (releaseHung = () => reject(new Error('died'))))
            : Promise.resolve(),
      },
      { checkpoints: await FileCheckpointStore.open(file) },
    );
    try {
      await until(() => crashed.events.length === 3);
      // Same mapping (same logical id), new process: a fresh store reading the same file.
      const resumed = run(
        stream,
        { mapping, handler: async () => undefined },
        { checkpoints: await FileCheckpointStore.open(file) },
      );
      await until(async () => (await resumed.checkpoint()) === sequences.at(-1));
      expect(deliveredData(crashed.events.slice(0, 2))).toEqual(expectedData(0, 4));
      expect(deliveredData(resumed.events)).toEqual(expectedData(4, 10));
      expect(deliveredData(resumed.events.slice(0, 1))).toEqual(deliveredData(crashed.events.slice(2)));
    } finally {
      // Let the "dead" mapping go: stop() waits for its hung invoke, which now fails.
      const stopping = crashed.stop();
      releaseHung?.();
      await stopping;
    }
  });

  it('stop() lets the in-flight batch finish and saves its checkpoint: nothing is delivered twice', async () => {
    const stream = await createTestStream(esm.harness);
    const sequences = await putRecords(esm.harness, stream, numbered(8));
    const file = join(dir, 'graceful.json');
    const mapping = aMapping({ batchSize: 2 });
    const slow: TestFunction = { mapping, handler: () => sleep(150) };
    const first = runTestFunction(esm.harness, stream, slow, { checkpoints: await FileCheckpointStore.open(file) });
    await until(() => first.events.length === 2);
    await first.stop();
    // The second invoke was in flight at stop(): it returned before stop() resolved, and no other began.
    expect(first.results).toHaveLength(2);
    expect(first.events).toHaveLength(2);
    const reopened = await FileCheckpointStore.open(file);
    expect((await reopened.get(mapping.logicalId, 'shardId-000000000000'))?.sequenceNumber).toBe(sequences[3]);
    const second = run(stream, { mapping, handler: async () => undefined }, { checkpoints: reopened });
    await until(async () => (await second.checkpoint()) === sequences.at(-1));
    expect([...deliveredData(first.events), ...deliveredData(second.events)]).toEqual(expectedData(0, 8));
  });
});

describe('resharding', () => {
  it('reads a parent shard to its end before its children start', async () => {
    const stream = await createTestStream(esm.harness);
    const parentData = ['p0', 'p1', 'p2'].map((data, i) => ({ data, partitionKey: `k${i}` }));
    await putRecords(esm.harness, stream, parentData);
    let listingsWithChildren = 0;
    let childRecordsPut = false;
    const childIteratorsAt: number[] = [];
    const kinesis = spyOnKinesis(esm.harness.kinesis, {
      before: (command) => {
        const shardId = command instanceof GetShardIteratorCommand ? command.input.ShardId : undefined;
        if (shardId !== undefined && shardId !== 'shardId-000000000000') childIteratorsAt.push(Date.now());
      },
      after: (command, output) => {
        const shards = (output as ListShardsCommandOutput).Shards ?? [];
        if (command instanceof ListShardsCommand && shards.some((shard) => shard.ParentShardId)) listingsWithChildren++;
      },
    });
    const spans: Array<{ shardId: string; start: number; end: number }> = [];
    const mapping = aMapping({ batchSize: 1 });
    const fn = run(
      stream,
      {
        mapping,
        handler: async (event) => {
          const shardId = event.Records[0]?.eventID.split(':')[0] ?? '';
          const start = Date.now();
          // The parent's first batch holds on until the children hold records and the mapping has
          // listed them twice: had it started them early, they would be read and delivered meanwhile.
          if (shardId === 'shardId-000000000000') await until(() => childRecordsPut && listingsWithChildren >= 2);
          spans.push({ shardId, start, end: Date.now() });
        },
      },
      { kinesis },
    );
    await until(() => fn.events.length > 0);
    await esm.harness.kinesis.send(
      new SplitShardCommand({
        StreamName: stream.name,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await until(async () => {
      const { StreamDescriptionSummary } = await esm.harness.kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: stream.name }),
      );
      return StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
    });
    const childData = ['c0', 'c1', 'c2', 'c3'].map((data, i) => ({ data, partitionKey: `child-key-${i}` }));
    await putRecords(esm.harness, stream, childData);
    childRecordsPut = true;
    await until(() => deliveredData(fn.events).length === parentData.length + childData.length, 15_000);
    const parentSpans = spans.filter((span) => span.shardId === 'shardId-000000000000');
    const childSpans = spans.filter((span) => span.shardId !== 'shardId-000000000000');
    expect(parentSpans).toHaveLength(3);
    expect(new Set(childSpans.map((span) => span.shardId)).size).toBeGreaterThanOrEqual(1);
    const parentDone = Math.max(...parentSpans.map((span) => span.end));
    expect(Math.min(...childSpans.map((span) => span.start))).toBeGreaterThanOrEqual(parentDone);
    expect(Math.min(...childIteratorsAt)).toBeGreaterThanOrEqual(parentDone);
    expect(deliveredData(fn.events).slice(0, 3)).toEqual(['p0', 'p1', 'p2']);
    expect([...deliveredData(fn.events).slice(3)].sort()).toEqual(['c0', 'c1', 'c2', 'c3']);
    const parent = await fn.checkpoints.get(mapping.logicalId, 'shardId-000000000000');
    expect(parent).toMatchObject({ shardEnded: true });
  });
});

describe('enhanced fan-out mappings', () => {
  it('a failing EFO mapping has its own reader and checkpoint and does not slow another mapping', async () => {
    const stream = await createTestStream(esm.harness);
    const sequences = await putRecords(esm.harness, stream, numbered(10));
    const checkpoints = new MemoryCheckpointStore();
    const failing = run(stream, functions.alwaysThrows({ consumerLogicalId: 'TestConsumer', batchSize: 5 }), {
      checkpoints,
    });
    await until(() => failing.events.length >= 2);
    const healthy = run(stream, functions.succeeds({ batchSize: 5 }), { checkpoints });
    // The deadline is the point: sharing a reader or checkpoint with the failing mapping, which
    // retries forever, it would never get there.
    await until(async () => (await healthy.checkpoint()) === sequences.at(-1), 3_000);
    expect(deliveredData(healthy.events)).toEqual(expectedData(0, 10));
    const invokesSoFar = failing.events.length;
    await until(() => failing.events.length > invokesSoFar + 2);
    expect(await failing.checkpoint()).toBeUndefined();
    expect(new Set(failing.events.map((event) => deliveredData([event]).join()))).toEqual(
      new Set([expectedData(0, 5).join()]),
    );
  });
});

describe('shard iterators', () => {
  it('re-acquires an expired iterator after the last record read: nothing lost, nothing twice', async () => {
    const stream = await createTestStream(esm.harness);
    const sequences = await putRecords(esm.harness, stream, numbered(4));
    let getRecordsCalls = 0;
    const iteratorRequests: Array<{ type?: string; after?: string }> = [];
    const kinesis = spyOnKinesis(esm.harness.kinesis, {
      before: (command) => {
        if (command instanceof GetShardIteratorCommand) {
          iteratorRequests.push({ type: command.input.ShardIteratorType, after: command.input.StartingSequenceNumber });
        }
        if (command instanceof GetRecordsCommand && ++getRecordsCalls === 2) {
          throw new ExpiredIteratorException({ message: 'Iterator expired', $metadata: {} });
        }
      },
    });
    const fn = run(stream, functions.succeeds({ batchSize: 2 }), { kinesis });
    await until(async () => (await fn.checkpoint()) === sequences.at(-1));
    expect(deliveredData(fn.events)).toEqual(expectedData(0, 4));
    expect(iteratorRequests).toEqual([
      { type: 'TRIM_HORIZON', after: undefined },
      { type: 'AFTER_SEQUENCE_NUMBER', after: sequences[1] },
    ]);
  });
});
