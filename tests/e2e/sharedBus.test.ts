import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, readPublished } from '../../local/emulators.ts';
import { encodeAggregated } from '../../shared/kinesis/kplAggregation.ts';
import { type AggregateView, foldWindows, totalsBy } from '../helpers/aggregateTotals.ts';
import { archivedLines, clientsFor, failedRecords, getAllPages, postEvents } from '../helpers/localPipeline.ts';
import { killSpawnedRuntimes, type RuntimeProcess, spawnRuntime } from '../helpers/runtimeProcess.ts';

/**
 * The stream as a shared bus, through `npm start` (a child process): events posted over HTTP,
 * plain CloudEvents and bare events (type and source only) put by another producer with the AWS
 * SDK, and KPL-aggregated records of 20 events each, some behind a poison record in their shard,
 * with a SIGKILL of the runtime in the middle, then a restart on the same data. Every event must
 * be archived once, counted once, and the shipped error-burst rule must fire once per source that
 * bursts, wherever its events came from; the poison records are kept with their payloads.
 */

const MINUTE = 60_000;
const TYPES = ['page_view', 'click', 'purchase'] as const;
/** The partition key every KPL record of this test uses: one shard, so the poison is in front. */
const KPL_KEY = 'kpl-producer';

/** An event as the test expects the sinks to see it (its id known up front, or derived). */
interface Expected {
  id: string;
  type: string;
  source: string;
  value?: number;
  time: string;
}

let localDir: string;
let runtime: RuntimeProcess;
const expected: Expected[] = [];
const poison: Buffer[] = [];
let windowRange: string;
let killedAfter = 0;

const ports = {
  KP_HTTP_PORT: '0',
  KP_KINESIS_PORT: '0',
  KP_DYNAMODB_PORT: '0',
  KP_S3_PORT: '0',
  KP_SNS_PORT: '0',
  KP_LAMBDA_PORT: '0',
};
const start = (fresh: boolean) =>
  spawnRuntime({ localDir, env: ports, args: [...(fresh ? ['--fresh'] : []), '--poll-interval', '100'] });

beforeAll(async () => {
  localDir = await mkdtemp(join(tmpdir(), 'kp-e2e-bus-'));
  runtime = await start(true);
  const now = Date.now();
  windowRange = `from=${new Date(now - 30 * MINUTE).toISOString()}&to=${new Date(now + 5 * MINUTE).toISOString()}`;
  const at = (ms: number) => new Date(ms).toISOString();

  // 1. Over HTTP: 200 events, and a burst of 5 errors from `checkout` within 10 s.
  const posted = [
    ...Array.from({ length: 200 }, (_, i) => ({
      id: `http-${i}`,
      type: TYPES[i % 3] as string,
      source: 'web',
      subject: `user-${i % 13}`,
      time: at(now - (i % 40) * 1_000),
      value: i + 1,
    })),
    ...Array.from({ length: 5 }, (_, k) => ({
      id: `http-error-${k}`,
      type: 'error',
      source: 'checkout',
      time: at(now - 10_000 + k * 2_000),
    })),
  ];
  const response = await postEvents(runtime.endpoints, JSON.stringify(posted));
  expect(response.status).toBe(200);
  expected.push(...posted);

  // 2. Straight to the stream with the SDK: CloudEvents with ids, and bare events whose ids the
  //    consumers derive from where Kinesis put them.
  const cloudEvents = Array.from({ length: 150 }, (_, i) => ({
    specversion: '1.0',
    id: `ce-${i}`,
    type: TYPES[i % 3] as string,
    source: 'partner-api',
    subject: `order-${i % 17}`,
    time: at(now - (i % 50) * 1_000),
    value: 1_000 + i,
    data: { note: 'put with the AWS SDK, no ingest fields', i },
  }));
  await putRecords(
    cloudEvents.map((event) => ({ Data: json(event), PartitionKey: event.subject })),
    (_, __, i) => expected.push(cloudEvents[i] as Expected),
  );
  const bare = Array.from({ length: 150 }, (_, i) => ({ type: 'click', source: 'kiosk', value: i % 7 }));
  await putRecords(
    bare.map((event, i) => ({ Data: json(event), PartitionKey: `kiosk-${i % 5}` })),
    (shard, sequence, i) =>
      expected.push({
        ...(bare[i] as { type: string; source: string; value: number }),
        id: `${shard}:${sequence}`,
        time: '',
      }),
  );

  // The checkout alert is out before the SIGKILL: a notification the kill left pending would only be
  // published by the minute's sweep (functions/alert/sweepAlerts.ts), which this test need not wait for.
  await pollUntil(async () => ((await firedGroups()).includes('checkout') ? true : undefined), {
    what: 'the checkout error-burst notification',
    timeoutMs: 60_000,
    intervalMs: 500,
  });

  // 3. KPL records of 20 events (`billing` errors among them: a burst that only completes after the
  //    restart), a poison record first in their shard, the runtime killed after half of them, the
  //    rest put after the restart.
  const kplEvents = (record: number) =>
    Array.from({ length: 20 }, (_, k) => {
      const n = record * 20 + k;
      if (n % 40 === 7 && n < 200)
        return { id: `kpl-error-${n}`, type: 'error', source: 'billing', time: at(now - 5_000 + n * 10) };
      // Every fourth one bare: its id is derived from the record's position and its sub-sequence number.
      return n % 4 === 0
        ? { type: TYPES[n % 3] as string, source: 'kpl-app', value: n }
        : {
            id: `kpl-${n}`,
            type: TYPES[n % 3] as string,
            source: 'kpl-app',
            time: at(now - (n % 30) * 1_000),
            value: n,
          };
    });
  const corrupt = Buffer.from(
    encodeAggregated([{ partitionKey: KPL_KEY, data: json({ type: 'click', source: 'lost?' }) }]),
  );
  corrupt[corrupt.length - 1] = (corrupt.at(-1) as number) ^ 0xff;
  const notAnEvent = Buffer.from('{"type":"cut short"', 'utf8');
  poison.push(corrupt, notAnEvent);
  await putRecords(
    poison.map((data) => ({ Data: data, PartitionKey: KPL_KEY })),
    () => undefined,
  );

  const putKpl = async (records: number[]) => {
    const batches = records.map(kplEvents);
    await putRecords(
      batches.map((events) => ({
        Data: encodeAggregated(events.map((e) => ({ partitionKey: KPL_KEY, data: json(e) }))),
        PartitionKey: KPL_KEY,
      })),
      (shard, sequence, i) => {
        for (const [sub, event] of (batches[i] as ReturnType<typeof kplEvents>).entries()) {
          expected.push({
            time: '',
            ...event,
            id: 'id' in event ? event.id : `${shard}:${sequence}:${sub}`,
          } as Expected);
        }
      },
    );
  };
  await putKpl([0, 1, 2, 3, 4]);
  killedAfter = expected.length;
  // Killed once the consumers are at work on the KPL records: the aggregate consumer has applied
  // some, and the archive (1 s batching window) has most likely not written them yet.
  await pollUntil(async () => ((await countedKplEvents()) > 0 ? true : undefined), {
    what: 'the first KPL events aggregated',
    timeoutMs: 30_000,
    intervalMs: 50,
  });
  await runtime.kill();
  runtime = await start(false);
  await putKpl([5, 6, 7, 8, 9]);
}, 120_000);

afterAll(async () => {
  const stopped = runtime ? await Promise.race([runtime.stop(), sleep(15_000)]) : undefined;
  if (stopped === undefined) killSpawnedRuntimes();
});

/** Events of source `kpl-app` (inside the KPL records) counted in the aggregates so far. */
async function countedKplEvents(): Promise<number> {
  let counted = 0;
  for (const type of TYPES) {
    const path = `/aggregates?${windowRange}&type=${type}&source=kpl-app&limit=1000`;
    for (const item of await getAllPages<AggregateView>(runtime.endpoints, path)) counted += item.count;
  }
  return counted;
}

/** The groups of the error-burst `firing` notifications published so far, in order. */
async function firedGroups(): Promise<string[]> {
  const topic = (runtime.endpoints.topics.AlertTopic ?? '').split(':').at(-1) ?? '';
  return (await readPublished(runtime.endpoints.snsSinkDir, topic))
    .map(({ message }) => JSON.parse(message) as { ruleId: string; group: string; state: string })
    .filter((body) => body.ruleId === 'error-burst' && body.state === 'firing')
    .map((body) => body.group);
}

const sleep = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms));
const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

/** PutRecords, all accepted; `onPut` sees each entry's shard and sequence number. */
async function putRecords(
  records: PutRecordsRequestEntry[],
  onPut: (shardId: string, sequenceNumber: string, index: number) => unknown,
): Promise<void> {
  const { kinesis } = clientsFor(runtime.endpoints);
  const put = await kinesis.send(new PutRecordsCommand({ StreamName: runtime.endpoints.streamName, Records: records }));
  kinesis.destroy();
  expect(put.FailedRecordCount).toBe(0);
  for (const [i, result] of (put.Records ?? []).entries())
    onPut(result.ShardId as string, result.SequenceNumber as string, i);
}

describe('the stream as a shared bus (HTTP, SDK, KPL records, a SIGKILL)', () => {
  it('archives every event once, with the sub-sequence number of the user records, and the poison whole', async () => {
    expect(expected).toHaveLength(205 + 300 + 200);
    expect(killedAfter).toBe(205 + 300 + 100);
    const s3 = clientsFor(runtime.endpoints).s3;
    const bucket = runtime.endpoints.buckets.ArchiveBucket ?? '';
    const poisonData = poison.map((data) => data.toString('base64'));
    const lines = await pollUntil(
      async () => {
        const all = await archivedLines(s3, bucket);
        const events = all.filter(({ line }) => line.event).length;
        const errors = all.filter(({ line }) => line.data && poisonData.includes(line.data)).length;
        return events >= expected.length && errors >= poison.length ? all : undefined;
      },
      { what: 'every event and poison record archived', timeoutMs: 60_000, intervalMs: 1_000 },
    );
    const archived = new Map<string, number>();
    for (const { line } of lines) if (line.event) archived.set(line.event.id, (archived.get(line.event.id) ?? 0) + 1);
    expect(expected.filter((event) => !archived.has(event.id)).map((event) => event.id)).toEqual([]);
    expect([...archived].filter(([, n]) => n > 1)).toEqual([]);
    expect(archived.size).toBe(expected.length);
    const kpl = lines.filter(({ line }) => line.event?.source === 'kpl-app' || line.event?.source === 'billing');
    expect(
      kpl
        .map(({ line }) => (line.kinesis as { subSequenceNumber?: number }).subSequenceNumber)
        .sort((a, b) => (a ?? 0) - (b ?? 0)),
    ).toEqual(Array.from({ length: 200 }, (_, i) => Math.floor(i / 10)));
    const errors = lines.filter(({ line }) => line.reason !== undefined);
    expect(errors.map(({ line }) => line.data).sort()).toEqual([...poisonData].sort());
    expect(errors.find(({ line }) => line.data === poisonData[0])?.line.reason).toMatch(/digest/);
  }, 90_000);

  it('counts every event exactly once in the aggregates, per type and per (type, source)', async () => {
    const byType = await pollUntil(
      async () => {
        const items = await getAllPages<AggregateView>(runtime.endpoints, `/aggregates?${windowRange}&limit=1000`);
        const totals = foldWindows(items, (item) => item.type);
        const counted = [...totals.values()].reduce((sum, entry) => sum + entry.count, 0);
        return counted >= expected.length ? totals : undefined;
      },
      { what: 'every event aggregated', timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(Object.fromEntries(byType)).toEqual(Object.fromEntries(totalsBy(expected, (event) => event.type)));
    for (const source of ['partner-api', 'kiosk', 'kpl-app']) {
      const items = await getAllPages<AggregateView>(
        runtime.endpoints,
        `/aggregates?${windowRange}&type=click&source=${source}&limit=1000`,
      );
      const counted = foldWindows(items, () => source).get(source);
      const clicks = expected.filter((event) => event.type === 'click' && event.source === source);
      expect(counted).toEqual(totalsBy(clicks, () => source).get(source));
    }
  }, 90_000);

  it('fires the error-burst alert once for each source that burst, over HTTP and inside KPL records alike', async () => {
    await pollUntil(async () => ((await firedGroups()).length >= 2 ? true : undefined), {
      what: 'two error-burst notifications',
      timeoutMs: 60_000,
      intervalMs: 1_000,
    });
    // Redeliveries after the SIGKILL must not fire them again.
    await sleep(3_000);
    expect((await firedGroups()).sort()).toEqual(['billing', 'checkout']);
  }, 90_000);

  it("hands the poison records, payload and all, to the aggregate consumer's failure destination", async () => {
    const s3 = clientsFor(runtime.endpoints).s3;
    const bucket = runtime.endpoints.buckets.AggregateFailedBatchesBucket ?? '';
    const discarded = await pollUntil(
      async () => {
        const records = await failedRecords(s3, bucket);
        return poison.every((data) => records.some((record) => record.data.equals(data))) ? records : undefined;
      },
      { what: 'the poison records in the aggregate failure bucket', timeoutMs: 90_000, intervalMs: 2_000 },
    );
    expect(discarded.length).toBeGreaterThanOrEqual(poison.length);
  }, 120_000);
});
