import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, readPublished } from '../../local/emulators.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { type AggregateView, foldWindows, totalsBy } from '../helpers/aggregateTotals.ts';
import { errorBurstEvents, type PostedEvent } from '../helpers/events.ts';
import {
  archivedLines,
  clientsFor,
  failedRecords,
  getAllPages,
  postEvents,
  startTestPipeline,
} from '../helpers/localPipeline.ts';

/**
 * The whole pipeline through the local runtime, as a user runs it: 5,000 events posted over HTTP
 * reach the archive, the aggregates and the alerts, each consumer on its own enhanced fan-out
 * consumer and mapping; invalid records put straight on the stream end in the archive's errors/
 * and in the other consumers' failure buckets; nothing is counted twice.
 */

const TYPES = ['page_view', 'click', 'purchase', 'signup'] as const;
const SOURCES = ['web', 'ios', 'android', 'search', 'checkout', 'billing'] as const;
const MINUTE = 60_000;

/**
 * 5,000 events over the last half hour of event time: four ordinary types from six sources, with
 * values on four events in five, one in ten of them late (15 to 35 minutes old). Plus the `error`
 * events of `errorBurstEvents` (bursts the shipped `error-burst` rule must fire on, and two it must not).
 */
function eventsToPost(now: number): PostedEvent[] {
  const at = (ms: number) => new Date(ms).toISOString();
  const errors = errorBurstEvents(now, 'e2e');
  const ordinary = Array.from({ length: 5_000 - errors.length }, (_, i): PostedEvent => {
    const late = i % 10 === 0;
    const ageMs = late ? 15 * MINUTE + (i % 20) * MINUTE : (i % 50) * 1_000;
    return {
      id: `e2e-${i}`,
      type: TYPES[i % TYPES.length] as string,
      source: SOURCES[i % SOURCES.length] as string,
      subject: `user-${i % 97}`,
      time: at(now - ageMs),
      ...(i % 5 === 0 ? {} : { value: (i % 1_000) + 1 }),
    };
  });
  // Errors spread through the posts, not all in one request.
  const all = [...ordinary];
  for (const [k, error] of errors.entries()) all.splice((k * 211) % all.length, 0, error);
  return all;
}

const INVALID_RECORDS = [
  Buffer.from('{"type":"half a record"'),
  Buffer.from(JSON.stringify({ source: 'web', note: 'no type, id or time' })),
  Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
];

let runtime: LocalRuntime;
let posted: PostedEvent[];
let windowRange: string;

beforeAll(async () => {
  runtime = await startTestPipeline('pipeline');
  const now = Date.now();
  posted = eventsToPost(now);
  windowRange = `from=${new Date(now - 60 * MINUTE).toISOString()}&to=${new Date(now + 5 * MINUTE).toISOString()}`;
  const post = async (from: number, to: number) => {
    for (let offset = from; offset < to; offset += 500) {
      const response = await postEvents(runtime.endpoints, JSON.stringify(posted.slice(offset, offset + 500)));
      expect(response.status, JSON.stringify(response.json)).toBe(200);
    }
  };
  // The invalid records go in the middle, so valid records follow them in their shards (and in
  // their batches): those must be counted once although the batch around the bad record is retried.
  await post(0, 2_500);
  const { kinesis } = clientsFor(runtime.endpoints);
  const put = await kinesis.send(
    new PutRecordsCommand({
      StreamName: runtime.endpoints.streamName,
      Records: INVALID_RECORDS.map((Data, i) => ({ Data, PartitionKey: `invalid-${i}` })),
    }),
  );
  expect(put.FailedRecordCount).toBe(0);
  await post(2_500, posted.length);
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('the local pipeline end to end, 5,000 events', () => {
  it('archives every valid event exactly once and the invalid records under errors/', async () => {
    const s3 = clientsFor(runtime.endpoints).s3;
    const bucket = runtime.endpoints.buckets.ArchiveBucket ?? '';
    const invalidData = INVALID_RECORDS.map((data) => data.toString('base64'));
    const lines = await pollUntil(
      async () => {
        const all = await archivedLines(s3, bucket);
        const events = all.filter(({ line }) => line.event);
        const errors = all.filter(({ line }) => line.data && invalidData.includes(line.data));
        return events.length >= posted.length && errors.length >= invalidData.length ? all : undefined;
      },
      { what: 'every event and invalid record archived', timeoutMs: 150_000, intervalMs: 1_000 },
    );
    const archivedIds = lines.flatMap(({ line }) => (line.event ? [line.event.id] : []));
    expect(archivedIds).toHaveLength(posted.length);
    expect(new Set(archivedIds)).toEqual(new Set(posted.map((event) => event.id)));
    const errors = lines.filter(({ line }) => line.reason !== undefined);
    expect(errors.map(({ line }) => line.data).sort()).toEqual([...invalidData].sort());
    for (const { key } of errors) expect(key).toMatch(/^errors\/year=/);
  }, 180_000);

  it('keeps aggregates per type and per (type, source) equal to the posted counts, sums, minima and maxima', async () => {
    const expectedByType = totalsBy(posted, (event) => event.type);
    const byType = await pollUntil(
      async () => {
        const items = await getAllPages<AggregateView>(runtime.endpoints, `/aggregates?${windowRange}&limit=1000`);
        const totals = foldWindows(items, (item) => item.type);
        const counted = [...totals.values()].reduce((sum, entry) => sum + entry.count, 0);
        return counted >= posted.length ? totals : undefined;
      },
      { what: 'every event aggregated', timeoutMs: 150_000, intervalMs: 1_000 },
    );
    expect(Object.fromEntries(byType)).toEqual(Object.fromEntries(expectedByType));

    const expectedByTypeAndSource = totalsBy(posted, (event) => `${event.type}|${event.source}`);
    for (const [key, expected] of expectedByTypeAndSource) {
      const [type, source] = key.split('|') as [string, string];
      const items = await getAllPages<AggregateView>(
        runtime.endpoints,
        `/aggregates?type=${type}&source=${source}&${windowRange}`,
      );
      expect(items.every((item) => item.type === type && item.source === source)).toBe(true);
      expect(foldWindows(items, () => key).get(key), key).toEqual(expected);
    }

    // Per minute, as the dashboard reads it: late events sit in their own (old) windows.
    const purchases = await getAllPages<AggregateView>(runtime.endpoints, `/aggregates?type=purchase&${windowRange}`);
    const expectedWindows = totalsBy(
      posted.filter((event) => event.type === 'purchase'),
      (event) => new Date(Math.floor(Date.parse(event.time) / MINUTE) * MINUTE).toISOString(),
    );
    expect(new Map(purchases.map((item) => [item.window, item.count]))).toEqual(
      new Map([...expectedWindows].map(([window, totals]) => [window, totals.count])),
    );
  }, 180_000);

  it('fires error-burst exactly once per offending source, notifies once, and lists it in the query API', async () => {
    // Firing alerts resolve a minute later: look at every state, and at the notifications too (the
    // state is written before the notification is published).
    const { alerts, fired } = await pollUntil(
      async () => {
        const items = await getAllPages<{ ruleId: string; group: string; state: string; firedCount: number }>(
          runtime.endpoints,
          '/alerts',
        );
        const bursts = items.filter((item) => item.ruleId === 'error-burst');
        const published = await errorBurstNotifications('firing');
        return bursts.length >= 2 && published.length >= 2 ? { alerts: bursts, fired: published } : undefined;
      },
      { what: 'error-burst alerts and notifications for checkout and billing', timeoutMs: 120_000, intervalMs: 1_000 },
    );
    expect(alerts.map((alert) => alert.group).sort()).toEqual(['billing', 'checkout']);
    expect(alerts.map((alert) => alert.firedCount)).toEqual([1, 1]);
    expect(fired.map(({ body }) => body.group).sort()).toEqual(['billing', 'checkout']);
    expect(fired[0]?.attributes).toMatchObject({
      rule: { dataType: 'String', value: 'error-burst' },
      severity: { dataType: 'String', value: 'critical' },
      state: { dataType: 'String', value: 'firing' },
    });
  }, 150_000);

  it('puts the invalid records in the aggregate and alert failure buckets, with their payload, and none of the archive', async () => {
    const s3 = clientsFor(runtime.endpoints).s3;
    for (const bucketId of ['AggregateFailedBatchesBucket', 'AlertFailedBatchesBucket']) {
      const bucket = runtime.endpoints.buckets[bucketId] ?? '';
      const discarded = await pollUntil(
        async () => {
          const records = await failedRecords(s3, bucket);
          const found = INVALID_RECORDS.filter((invalid) => records.some((record) => record.data.equals(invalid)));
          return found.length === INVALID_RECORDS.length ? records : undefined;
        },
        { what: `the invalid records in ${bucketId}`, timeoutMs: 120_000, intervalMs: 1_000 },
      );
      expect(discarded.length, bucketId).toBeGreaterThanOrEqual(INVALID_RECORDS.length);
    }
    expect(await failedRecords(s3, runtime.endpoints.buckets.ArchiveFailedBatchesBucket ?? '')).toEqual([]);
  }, 150_000);

  it('counts and notifies nothing twice after the retries of the invalid records have run out', async () => {
    const items = await getAllPages<AggregateView>(runtime.endpoints, `/aggregates?${windowRange}&limit=1000`);
    const counted = items.reduce((sum, item) => sum + item.count, 0);
    expect(counted).toBe(posted.length);
    const alerts = await getAllPages<{ ruleId: string; firedCount: number }>(runtime.endpoints, '/alerts');
    expect(alerts.filter((alert) => alert.ruleId === 'error-burst').map((alert) => alert.firedCount)).toEqual([1, 1]);
    const fired = await errorBurstNotifications('firing');
    expect(fired.map(({ body }) => body.group).sort()).toEqual(['billing', 'checkout']);
    const everyRule = (await readPublished(runtime.endpoints.snsSinkDir, alertTopicName())).map(
      (published) => (JSON.parse(published.message) as { ruleId: string }).ruleId,
    );
    expect(new Set(everyRule)).toEqual(new Set(['error-burst']));
  });
});

const alertTopicName = () => (runtime.endpoints.topics.AlertTopic ?? '').split(':').at(-1) ?? '';

/** The error-burst notifications of one state the local SNS endpoint received, parsed. */
async function errorBurstNotifications(state: 'firing' | 'resolved') {
  const published = await readPublished(runtime.endpoints.snsSinkDir, alertTopicName());
  return published
    .map((message) => ({
      attributes: message.messageAttributes,
      body: JSON.parse(message.message) as { ruleId: string; group: string; state: string },
    }))
    .filter(({ body }) => body.ruleId === 'error-burst' && body.state === state);
}
