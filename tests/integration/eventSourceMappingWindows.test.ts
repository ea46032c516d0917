import { describe, expect, it } from 'vitest';
import type { LocalEventSourceMapping } from '../../local/app/model.ts';
import { aMapping, dataOf, deliveredData, type TestFunction } from '../helpers/esmFunctions.ts';
import { createTestStream, putRecords, until } from '../helpers/esmHarness.ts';
import { useEsmHarness } from '../helpers/esmSuite.ts';

// Conformance of the local event source mapping: tumbling windows (TumblingWindowInSeconds).
// Rules: shared/docs/kinesis-lambda-semantics.md, "Tumbling windows".

const esm = useEsmHarness();
const run = esm.run.bind(esm);

const numbered = (count: number) => Array.from({ length: count }, (_, i) => ({ data: `r${i}` }));

describe('tumbling windows', () => {
  /** Counts records per window in its state. */
  const counter = (overrides: Partial<LocalEventSourceMapping>): TestFunction => ({
    mapping: aMapping({ tumblingWindowInSeconds: 1, batchSize: 2, ...overrides }),
    handler: async (event) => ({ state: { count: Number(event.state?.count ?? 0) + event.Records.length } }),
  });

  it('carries state across the invokes of a window and ends it with a final invoke', async () => {
    const stream = await createTestStream(esm.harness);
    await putRecords(esm.harness, stream, numbered(5));
    const fn = run(stream, counter({}));
    const windowOf = (arrivalSeconds: number) => Math.floor(arrivalSeconds) * 1000;
    const recordWindows = () =>
      new Set(fn.events.flatMap((e) => e.Records.map((r) => windowOf(r.kinesis.approximateArrivalTimestamp))));
    const finals = () => fn.events.filter((event) => event.isFinalInvokeForWindow);
    await until(() => deliveredData(fn.events).length === 5 && finals().length === recordWindows().size, 10_000);
    for (const [index, event] of fn.events.entries()) {
      const start = Date.parse(event.window?.start ?? '');
      expect(event.window?.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(Date.parse(event.window?.end ?? '') - start).toBe(1000);
      expect(start % 1000).toBe(0);
      expect(event).toMatchObject({ shardId: 'shardId-000000000000', eventSourceARN: stream.arn });
      for (const record of event.Records) expect(windowOf(record.kinesis.approximateArrivalTimestamp)).toBe(start);
      const earlier = fn.events.slice(0, index).filter((e) => e.window?.start === event.window?.start);
      const countBefore = earlier.reduce((total, e) => total + e.Records.length, 0);
      expect(event.state).toEqual(earlier.length === 0 ? {} : { count: countBefore });
      expect(event.isWindowTerminatedEarly).toBe(false);
      if (event.isFinalInvokeForWindow) expect(event.Records).toEqual([]);
    }
    expect(finals().reduce((total, e) => total + Number(e.state?.count), 0)).toBe(5);
  });

  it('an invoke whose response has no state counts as failed', async () => {
    const stream = await createTestStream(esm.harness);
    const sequences = await putRecords(esm.harness, stream, numbered(2));
    const fn = run(stream, {
      mapping: aMapping({ tumblingWindowInSeconds: 60 }),
      handler: async (event, call) => (call === 1 ? { count: event.Records.length } : { state: {} }),
    });
    await until(async () => (await fn.checkpoint()) === sequences.at(-1));
    expect(fn.events.slice(0, 2).map((event) => event.Records.map(dataOf))).toEqual([
      ['r0', 'r1'],
      ['r0', 'r1'],
    ]);
    expect(fn.logs[0]).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/state/) });
  });

  it('state over 1 MB ends the window early', async () => {
    const stream = await createTestStream(esm.harness);
    const sequences = await putRecords(esm.harness, stream, numbered(2));
    const fn = run(stream, {
      mapping: aMapping({ tumblingWindowInSeconds: 60, batchSize: 1 }),
      handler: async (_event, call) => ({ state: call === 1 ? { blob: 'x'.repeat(1_100_000) } : {} }),
    });
    await until(async () => (await fn.checkpoint()) === sequences.at(-1));
    const [first, final, next] = fn.events;
    expect(first?.Records.map(dataOf)).toEqual(['r0']);
    expect(final).toMatchObject({ Records: [], isFinalInvokeForWindow: true, isWindowTerminatedEarly: true });
    expect(String(final?.state?.blob).length).toBe(1_100_000);
    expect(next?.Records.map(dataOf)).toEqual(['r1']);
    expect(next?.state).toEqual({});
  });
});
