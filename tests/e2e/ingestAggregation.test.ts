import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../local/emulators.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { deaggregate } from '../../shared/kinesis/kplAggregation.ts';
import { type AggregateView, foldWindows, totalsBy } from '../helpers/aggregateTotals.ts';
import { readAllRecords } from '../helpers/kinesisReader.ts';
import { archivedLines, clientsFor, getAllPages, postEvents, startTestPipeline } from '../helpers/localPipeline.ts';

/**
 * POST /events with the stage's `ingestAggregateRecordBytes` on: ingest packs the events of one
 * partition key into KPL-format aggregated records, reports every event, and the consumers unpack
 * them. The whole local pipeline (the same template, engine and consumers as `npm start`).
 */

const MINUTE = 60_000;
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startTestPipeline('ingest-aggregation', { params: { ingestAggregateRecordBytes: '4096' } });
});
afterAll(() => runtime?.stop());

interface Result {
  index: number;
  id: string;
  status: string;
  sequenceNumber?: string;
  subSequenceNumber?: number;
  shardId?: string;
}

describe('ingest with aggregation on', () => {
  const now = Date.now();
  const events = Array.from({ length: 400 }, (_, i) => ({
    id: `agg-${i}`,
    type: i % 2 ? 'click' : 'page_view',
    source: 'web',
    // Four partition keys, so four groups of 100 events, each packed into records of at most 4 KiB.
    subject: `user-${i % 4}`,
    time: new Date(now - (i % 30) * 1_000).toISOString(),
    value: i,
  }));
  let results: Result[] = [];

  it('reports every event accepted, with the Kinesis record it went in and its place inside', async () => {
    const response = await postEvents(runtime.endpoints, JSON.stringify(events));
    expect(response.status).toBe(200);
    results = response.json.results as Result[];
    expect(results.map((r) => [r.index, r.id, r.status])).toEqual(events.map((e, i) => [i, e.id, 'accepted']));
    for (const result of results) {
      expect(result.sequenceNumber).toMatch(/^\d+$/);
      expect(result.subSequenceNumber).toEqual(expect.any(Number));
    }
  });

  it('puts fewer Kinesis records than events, each event where the response said, once', async () => {
    const { kinesis } = clientsFor(runtime.endpoints);
    const records = await readAllRecords(kinesis, runtime.endpoints.streamName);
    kinesis.destroy();
    // Records of ~250 bytes (ingest's fields added), ~16 to a 4 KiB record: four keys of 100 events
    // make about 25 Kinesis records, not 400.
    expect(records.length).toBeGreaterThanOrEqual(24);
    expect(records.length).toBeLessThanOrEqual(32);
    const placed = new Map<string, string>();
    for (const record of records) {
      const unpacked = deaggregate(record.Data as Uint8Array);
      expect(unpacked.kind).toBe('aggregated');
      if (unpacked.kind !== 'aggregated') continue;
      for (const [sub, user] of unpacked.records.entries()) {
        const event = JSON.parse(Buffer.from(user.data).toString('utf8')) as { id: string; subject: string };
        expect(user.partitionKey).toBe(event.subject);
        expect(placed.has(event.id)).toBe(false);
        placed.set(event.id, `${record.SequenceNumber}/${sub}`);
      }
    }
    expect(Object.fromEntries(placed)).toEqual(
      Object.fromEntries(results.map((r) => [r.id, `${r.sequenceNumber}/${r.subSequenceNumber}`])),
    );
  });

  it('archives every event once and counts each once in the aggregates', async () => {
    const s3 = clientsFor(runtime.endpoints).s3;
    const lines = await pollUntil(
      async () => {
        const all = await archivedLines(s3, runtime.endpoints.buckets.ArchiveBucket ?? '');
        return all.filter(({ line }) => line.event).length >= events.length ? all : undefined;
      },
      { what: 'every event archived', timeoutMs: 30_000, intervalMs: 500 },
    );
    const ids = lines.flatMap(({ line }) => (line.event ? [line.event.id] : []));
    expect(ids.sort()).toEqual(events.map((e) => e.id).sort());
    expect(lines.filter(({ line }) => line.reason !== undefined)).toEqual([]);
    const range = `from=${new Date(now - 10 * MINUTE).toISOString()}&to=${new Date(now + MINUTE).toISOString()}`;
    const byType = await pollUntil(
      async () => {
        const totals = foldWindows(
          await getAllPages<AggregateView>(runtime.endpoints, `/aggregates?${range}&limit=1000`),
          (item) => item.type,
        );
        return [...totals.values()].reduce((sum, t) => sum + t.count, 0) >= events.length ? totals : undefined;
      },
      { what: 'every event aggregated', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(Object.fromEntries(byType)).toEqual(Object.fromEntries(totalsBy(events, (e) => e.type)));
  });
});
