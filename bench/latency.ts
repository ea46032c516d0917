import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { readPublished } from '../local/emulators.ts';
import { aggregateKey, partSortKey, windowStart } from '../shared/aggregates/aggregateItem.ts';
import { type BenchPipeline, postEvents } from './benchPipeline.ts';
import { type Percentiles, percentiles } from './stats.ts';
import { listShards } from './streamMarkers.ts';

export interface LatencyOptions {
  /** Probe events for the archive and the aggregates. Default 2,000. */
  events?: number;
  /** Events per probe request; they share a fresh event type. Default 5. */
  groupSize?: number;
  /** One probe request every this many ms. Default 50 (with groupSize 5: 100 events/s). */
  groupEveryMs?: number;
  /** Alert probes: 5 `error` events of a fresh source each, which the error-burst rule fires on. Default 30. */
  alertProbes?: number;
  alertEveryMs?: number;
  /** How often each sink is looked at. */
  pollMs?: { dynamodb: number; s3: number; sns: number };
  /** Give up on probes not seen this long after the last one was posted. */
  drainTimeoutMs?: number;
  /** Measure the archive too (the second, aggregate-only run skips it). Default true. */
  archive?: boolean;
}

export interface LatencyResult {
  /** Per sink, ms from the HTTP 200 to the first time the event was seen there. */
  archive?: Percentiles;
  aggregate: Percentiles;
  alertState: Percentiles;
  alertNotification: Percentiles;
  /** Probes never seen within the drain timeout, per sink. */
  missing: Record<string, number>;
  /** What was sent, for the report. */
  /** `retries`: requests re-sending events the API had reported failed and retryable (timed from the last). */
  sent: { events: number; groupSize: number; eventsPerSecond: number; alertProbes: number; retries: number };
  pollMs: { dynamodb: number; s3: number; sns: number };
}

const DEFAULTS = {
  events: 2_000,
  groupSize: 5,
  groupEveryMs: 50,
  alertProbes: 30,
  alertEveryMs: 600,
  pollMs: { dynamodb: 25, s3: 50, sns: 50 },
  drainTimeoutMs: 30_000,
  archive: true,
};

interface ProbeGroup {
  type: string;
  window: string;
  ids: string[];
  answeredAt?: number;
  /** performance.now() at which the k-th event of the group was first counted in its aggregate. */
  countedAt: number[];
}

interface AlertProbe {
  source: string;
  answeredAt?: number;
  firingAt?: number;
  notifiedAt?: number;
}

/**
 * Put-to-consumer latency on a running local pipeline: from the HTTP 200 of a POST /events to the
 * record being visible in each sink, measured from outside as a user would see it.
 *
 * - Aggregates: each probe request carries `groupSize` events of a fresh type, so its type item
 *   (`T#<type>`, its minute) counts only them; BatchGetItem every `pollMs.dynamodb` ms on the
 *   pending items, and when the count goes from c to c', events c+1..c' are stamped seen.
 * - Archive: ListObjectsV2 every `pollMs.s3` ms; a new object is read once, and each probe id in it
 *   is stamped with the time of the listing that first showed the object.
 * - Alerts: each probe posts 5 `error` events of a fresh source in one request; the alert item
 *   `error-burst#source=<source>` going `firing` (BatchGetItem, same period) and its notification
 *   in the local SNS sink (read every `pollMs.sns` ms).
 *
 * The probes are sent at a steady rate, without waiting for earlier ones, while the watchers run,
 * so the pipeline carries a steady load. Every figure includes up to one polling period of the
 * watcher (half of it on average).
 *
 * @example
 * const latency = await benchLatency(pipeline, { events: 2_000 });
 */
export async function benchLatency(pipeline: BenchPipeline, options: LatencyOptions = {}): Promise<LatencyResult> {
  const settings = { ...DEFAULTS, ...options, pollMs: { ...DEFAULTS.pollMs, ...options.pollMs } };
  const run = Date.now().toString(36);
  const groups: ProbeGroup[] = [];
  const alerts: AlertProbe[] = [];
  const archivedAt = new Map<string, number>();
  const probeIds = new Set<string>();
  let sending = true;
  let retries = 0;

  const sendGroups = async () => {
    const posts: Promise<void>[] = [];
    const count = Math.ceil(settings.events / settings.groupSize);
    const started = performance.now();
    for (let k = 0; k < count; k++) {
      await sleepUntil(started + k * settings.groupEveryMs);
      const time = new Date().toISOString();
      const group: ProbeGroup = {
        type: `lat-${run}-${k}`,
        window: windowStart(Date.parse(time)),
        ids: Array.from({ length: settings.groupSize }, (_, j) => `lat-${run}-${k}-${j}`),
        countedAt: [],
      };
      for (const id of group.ids) probeIds.add(id);
      groups.push(group);
      const events = group.ids.map((id) => ({
        id,
        type: group.type,
        source: 'bench',
        subject: `user-${k}`,
        time,
        value: 1,
      }));
      posts.push(
        postEvents(pipeline, events, 10).then(({ answeredAt, retries: more }) => {
          group.answeredAt = answeredAt;
          retries += more;
        }),
      );
    }
    await Promise.all(posts);
  };

  const sendAlerts = async () => {
    const posts: Promise<void>[] = [];
    const started = performance.now();
    for (let k = 0; k < settings.alertProbes; k++) {
      await sleepUntil(started + k * settings.alertEveryMs);
      const probe: AlertProbe = { source: `alert-probe-${run}-${k}` };
      alerts.push(probe);
      const now = Date.now();
      const events = Array.from({ length: 5 }, (_, j) => ({
        id: `alert-${run}-${k}-${j}`,
        type: 'error',
        source: probe.source,
        time: new Date(now - (4 - j) * 10).toISOString(),
      }));
      posts.push(
        postEvents(pipeline, events, 10).then(({ answeredAt, retries: more }) => {
          probe.answeredAt = answeredAt;
          retries += more;
        }),
      );
    }
    await Promise.all(posts);
  };

  const { documents, s3 } = pipeline.clients;
  const { tables, buckets, snsSinkDir, topics } = pipeline.runtime.endpoints;
  const aggregatesTable = tables.AggregatesTable ?? '';
  const alertsTable = tables.AlertsTable ?? '';
  const archiveBucket = buckets.ArchiveBucket ?? '';
  const topicName = (topics.AlertTopic ?? '').split(':').at(-1) ?? '';

  const pendingGroups = () => groups.filter((g) => g.countedAt.length < g.ids.length);
  const pendingArchive = () => settings.archive && [...probeIds].some((id) => !archivedAt.has(id));
  const pendingFiring = () => alerts.filter((a) => a.firingAt === undefined);
  const pendingNotified = () => alerts.filter((a) => a.notifiedAt === undefined);
  const done = () =>
    !sending &&
    pendingGroups().length === 0 &&
    !pendingArchive() &&
    pendingFiring().length === 0 &&
    pendingNotified().length === 0;

  let deadline = Number.POSITIVE_INFINITY;
  const watching = () => !done() && performance.now() < deadline;

  // Every shard's part of a pending (type, minute), read with BatchGetItem and summed: one call per
  // 100 parts, as cheap a look as the watcher had when a (type, minute) was one item.
  const shardIds = (await listShards(pipeline.clients.kinesis, pipeline.runtime.endpoints.streamName)).map(
    (shard) => shard.ShardId ?? '',
  );
  const watchAggregates = async () => {
    while (watching()) {
      const parts = pendingGroups().flatMap((group) =>
        shardIds.map((shardId) => ({
          group,
          pk: aggregateKey({ type: group.type }),
          sk: partSortKey(group.window, shardId),
        })),
      );
      const counted = new Map<(typeof groups)[number], number>();
      for (let i = 0; i < parts.length; i += 100) {
        const chunk = parts.slice(i, i + 100);
        const items = await batchGet(
          documents,
          aggregatesTable,
          chunk.map(({ pk, sk }) => ({ pk, sk })),
        );
        for (const { group, pk, sk } of chunk) {
          counted.set(group, (counted.get(group) ?? 0) + Number(items.get(`${pk}\n${sk}`)?.count ?? 0));
        }
      }
      const seenAt = performance.now();
      for (const [group, count] of counted) {
        while (group.countedAt.length < Math.min(count, group.ids.length)) group.countedAt.push(seenAt);
      }
      await sleep(settings.pollMs.dynamodb);
    }
  };

  // Objects written before the probes (an earlier phase) hold no probe: skip them unread.
  const readObjects = new Set<string>(settings.archive ? await listKeys(s3, archiveBucket) : []);
  const watchArchive = async () => {
    while (settings.archive && watching()) {
      const fresh = (await listKeys(s3, archiveBucket)).filter((key) => !readObjects.has(key));
      const listedAt = performance.now();
      for (const key of fresh) {
        readObjects.add(key);
        const object = await s3.send(new GetObjectCommand({ Bucket: archiveBucket, Key: key }));
        const text = gunzipSync(await (object.Body?.transformToByteArray() ?? new Uint8Array())).toString('utf8');
        for (const line of text.trimEnd().split('\n')) {
          const id = (JSON.parse(line) as { event?: { id?: string } }).event?.id;
          if (id !== undefined && probeIds.has(id) && !archivedAt.has(id)) archivedAt.set(id, listedAt);
        }
      }
      await sleep(settings.pollMs.s3);
    }
  };

  const watchAlertStates = async () => {
    while (watching()) {
      const pending = pendingFiring();
      for (let i = 0; i < pending.length; i += 100) {
        const chunk = pending.slice(i, i + 100);
        const items = await batchGet(
          documents,
          alertsTable,
          chunk.map((a) => ({ alertKey: alertKeyOf(a.source) })),
        );
        const seenAt = performance.now();
        for (const probe of chunk) {
          if (items.get(alertKeyOf(probe.source))?.state === 'firing') probe.firingAt = seenAt;
        }
      }
      await sleep(settings.pollMs.dynamodb);
    }
  };

  const watchNotifications = async () => {
    while (watching()) {
      const published = await readPublished(snsSinkDir, topicName).catch(() => []);
      const seenAt = performance.now();
      const firing = new Set(
        published
          .map((message) => JSON.parse(message.message) as { ruleId?: string; group?: string; state?: string })
          .filter((body) => body.ruleId === 'error-burst' && body.state === 'firing')
          .map((body) => body.group),
      );
      for (const probe of alerts)
        if (probe.notifiedAt === undefined && firing.has(probe.source)) probe.notifiedAt = seenAt;
      await sleep(settings.pollMs.sns);
    }
  };

  const watchers = Promise.all([watchAggregates(), watchArchive(), watchAlertStates(), watchNotifications()]);
  try {
    await Promise.all([sendGroups(), sendAlerts()]);
  } finally {
    sending = false;
    deadline = performance.now() + settings.drainTimeoutMs;
  }
  await watchers;

  const since = (answeredAt: number | undefined, seenAt: number | undefined) =>
    answeredAt === undefined || seenAt === undefined ? [] : [seenAt - answeredAt];
  const aggregate = groups.flatMap((g) => g.countedAt.flatMap((at) => since(g.answeredAt, at)));
  const archive = groups.flatMap((g) => g.ids.flatMap((id) => since(g.answeredAt, archivedAt.get(id))));
  const sentEvents = groups.length * settings.groupSize;
  return {
    ...(settings.archive ? { archive: percentiles(archive) } : {}),
    aggregate: percentiles(aggregate),
    alertState: percentiles(alerts.flatMap((a) => since(a.answeredAt, a.firingAt))),
    alertNotification: percentiles(alerts.flatMap((a) => since(a.answeredAt, a.notifiedAt))),
    missing: {
      ...(settings.archive ? { archive: sentEvents - archive.length } : {}),
      aggregate: sentEvents - aggregate.length,
      alertState: alerts.length - alerts.filter((a) => a.firingAt !== undefined).length,
      alertNotification: alerts.length - alerts.filter((a) => a.notifiedAt !== undefined).length,
    },
    sent: {
      events: sentEvents,
      groupSize: settings.groupSize,
      eventsPerSecond: Math.round((settings.groupSize * 1000) / settings.groupEveryMs),
      alertProbes: alerts.length,
      retries,
    },
    pollMs: settings.pollMs,
  };
}

/** The alert item of the shipped error-burst rule (grouped by source) for one source. */
const alertKeyOf = (source: string) => `error-burst#source=${encodeURIComponent(source)}`;

/** Items by key (key attribute values joined by newlines), strongly consistent, unprocessed keys retried. */
async function batchGet(
  documents: BenchPipeline['clients']['documents'],
  table: string,
  keys: Array<Record<string, string>>,
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  const keyNames = Object.keys(keys[0] ?? {});
  let request: Array<Record<string, unknown>> = keys;
  while (request.length > 0) {
    const output = await documents.send(
      new BatchGetCommand({ RequestItems: { [table]: { Keys: request, ConsistentRead: true } } }),
    );
    for (const item of output.Responses?.[table] ?? [])
      found.set(keyNames.map((k) => String(item[k])).join('\n'), item);
    request = output.UnprocessedKeys?.[table]?.Keys ?? [];
  }
  return found;
}

async function listKeys(s3: BenchPipeline['clients']['s3'], bucket: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: 'events/' })) {
    for (const { Key: key } of page.Contents ?? []) if (key) keys.push(key);
  }
  return keys;
}

async function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now();
  if (wait > 0) await sleep(wait);
}
