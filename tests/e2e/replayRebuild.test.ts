import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttributeValue, DeleteItemCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import { ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putAcrossShards } from '../../bench/contention.ts';
import { pollUntil } from '../../local/emulators.ts';
import { writeLocalEndpoints } from '../../local/endpointsFile.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { windowStart } from '../../shared/aggregates/aggregateItem.ts';
import { type AggregateView, takeOneFromCount, totalsBy } from '../helpers/aggregateTotals.ts';
import { archivedLines, clientsFor, failedRecords, getAllPages, startTestPipeline } from '../helpers/localPipeline.ts';
import { runCli } from '../helpers/runCli.ts';

/**
 * `npm run replay -- --consumer aggregate --rebuild` at the scale it once failed at (issue 13):
 * thousands of events over five minutes, every shard of the local stream carrying every type and
 * source of every minute, so all shards' replays write the same keys and minutes side by side.
 * Rebuilt three times, the aggregates come out exact each time and the command exits 0. And when a
 * record does fail, the command prints the function's own error for it, not only its sequence
 * number; the runtime's log line names it too.
 *
 * Nothing is timed: each step waits for its condition, within generous limits.
 */

const EVENTS = 11_200;
const MINUTES = 5;
const MINUTE = 60_000;
const TYPES = ['page_view', 'click', 'purchase', 'signup'] as const;
const SOURCES = ['web', 'ios', 'android', 'checkout'] as const;
const WAIT = { timeoutMs: 240_000, intervalMs: 1_000 };
/** A replay of the whole load runs well within this on a loaded machine; it only stops a hang. */
const CLI_LIMIT = { timeoutMs: 600_000 };

/** An event of the load (an index signature, as putAcrossShards takes any event object). */
type LoadEvent = Record<string, unknown> & {
  id: string;
  type: string;
  source: string;
  subject: string;
  time: string;
  value: number;
};

let runtime: LocalRuntime;
let cliEnv: Record<string, string>;
let startedAt: number;
/** Start of the newest minute of the load; its events fall in the MINUTES minutes up to it. */
let lastMinute: number;
const runtimeLog: string[] = [];
const sent: LoadEvent[] = [];

/** Event `i` of the load: record `i` goes to shard `i % shards`, so type, source and minute follow `i / shards`. */
function loadEvent(i: number, shards: number): LoadEvent {
  const round = Math.floor(i / shards);
  const event = {
    id: `rebuild-${i}`,
    type: TYPES[round % TYPES.length] as string,
    source: SOURCES[Math.floor(round / TYPES.length) % SOURCES.length] as string,
    subject: `user-${i % 97}`,
    time: new Date(lastMinute - (Math.floor(round / 16) % MINUTES) * MINUTE + (round % 60) * 1_000).toISOString(),
    value: (i % 100) + 1,
  };
  sent.push(event);
  return event;
}

/** The totals the aggregates must hold, per type and window and per type, source and window, as lines. */
function expectedLines(events: readonly LoadEvent[]): string[] {
  const window = (event: LoadEvent) => windowStart(Date.parse(event.time));
  const byType = totalsBy(events, (event) => JSON.stringify([event.type, null, window(event)]));
  const bySource = totalsBy(events, (event) => JSON.stringify([event.type, event.source, window(event)]));
  return [...byType, ...bySource]
    .map(([key, { count, valueCount, sum, min, max }]) => {
      const [type, source, at] = JSON.parse(key) as [string, string | null, string];
      return JSON.stringify({ type, source, window: at, count, valueCount, sum, min, max });
    })
    .sort();
}

/** What GET /aggregates answers for the load's minutes, every type and every (type, source), as lines. */
async function countedLines(): Promise<string[]> {
  const range = `from=${new Date(lastMinute - MINUTES * MINUTE).toISOString()}&to=${new Date(lastMinute + MINUTE).toISOString()}`;
  const line = ({ type, source, window, count, valueCount, sum, min, max }: AggregateView) =>
    JSON.stringify({ type, source: source ?? null, window, count, valueCount, sum, min, max });
  const lines = (await getAllPages<AggregateView>(runtime.endpoints, `/aggregates?${range}&limit=1000`)).map(line);
  for (const type of TYPES) {
    for (const source of SOURCES) {
      const items = await getAllPages<AggregateView>(
        runtime.endpoints,
        `/aggregates?type=${type}&source=${source}&${range}&limit=1000`,
      );
      lines.push(...items.map(line));
    }
  }
  return lines.sort();
}

const countOf = (lines: readonly string[]) =>
  lines
    .map((line) => JSON.parse(line) as AggregateView & { source: string | null })
    .filter((view) => view.source === null)
    .reduce((sum, view) => sum + view.count, 0);

beforeAll(async () => {
  runtime = await startTestPipeline('replay-rebuild', { log: (line) => runtimeLog.push(line) });
  const cliDir = await mkdtemp(join(tmpdir(), 'kp-e2e-replay-rebuild-cli-'));
  await writeLocalEndpoints(runtime.endpoints, join(cliDir, 'endpoints.json'));
  cliEnv = { KP_LOCAL_DIR: cliDir };
  startedAt = Date.now();
  lastMinute = Math.floor(startedAt / MINUTE) * MINUTE;

  const { kinesis, s3 } = clientsFor(runtime.endpoints);
  const load = await putAcrossShards(kinesis, runtime.endpoints.streamName, { events: EVENTS, event: loadEvent });
  expect(load.events).toBe(EVENTS);
  // The local stage's stream is ON_DEMAND, which the local engine opens with 4 shards.
  expect(load.recordsByShard.size).toBe(4);
  const archive = runtime.endpoints.buckets.ArchiveBucket ?? '';
  await pollUntil(
    async () => {
      const counted = countOf(await countedLines());
      const archived = counted >= EVENTS ? (await archivedLines(s3, archive, 'events/')).length : 0;
      return counted >= EVENTS && archived >= EVENTS ? true : undefined;
    },
    { what: `${EVENTS} events aggregated and archived`, ...WAIT },
  );
}, 600_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('replay --rebuild of thousands of events over every shard', () => {
  it('counts the load exactly as it ran live', async () => {
    expect(sent).toHaveLength(EVENTS);
    expect(await countedLines()).toEqual(expectedLines(sent));
  }, 300_000);

  it('recounts damaged windows exactly, the same three times over, each run exiting 0', async () => {
    const expected = expectedLines(sent);
    // Damage: one minute's parts of one shard gone, one part a count short.
    const { dynamodb } = clientsFor(runtime.endpoints);
    const table = runtime.endpoints.tables.AggregatesTable ?? '';
    const keys: Array<Record<string, AttributeValue>> = [];
    for await (const page of paginateScan({ client: dynamodb }, { TableName: table, ProjectionExpression: 'pk, sk' }))
      keys.push(...(page.Items ?? []));
    const damagedMinute = `${new Date(lastMinute - 2 * MINUTE).toISOString()}#shardId-000000000000`;
    const gone = keys.filter((key) => key.sk?.S === damagedMinute);
    const short = keys.find((key) => key.sk?.S !== damagedMinute && key.pk?.S?.startsWith('T#'));
    expect(gone.length).toBeGreaterThan(0);
    if (!short) throw new Error('no type-level part outside the damaged minute');
    for (const Key of gone) await dynamodb.send(new DeleteItemCommand({ TableName: table, Key }));
    await takeOneFromCount(dynamodb, table, short);
    expect(countOf(await countedLines())).toBeLessThan(EVENTS);

    const windows = [
      '--from',
      new Date(lastMinute - (MINUTES - 1) * MINUTE).toISOString(),
      '--to',
      new Date(lastMinute + MINUTE - 1).toISOString(),
      '--arrived-from',
      new Date(startedAt - MINUTE).toISOString(),
    ];
    for (const run of [1, 2, 3]) {
      const rebuild = await runCli('replay', ['--consumer', 'aggregate', '--rebuild', ...windows], cliEnv, CLI_LIMIT);
      expect(rebuild.code, `run ${run}:\n${rebuild.stdout}\n${rebuild.stderr}`).toBe(0);
      expect(rebuild.stdout).toContain(`${EVENTS} archived events in the windows`);
      expect(rebuild.stdout).toContain(`replayed ${EVENTS} of ${EVENTS} records (${EVENTS} archived events)`);
      expect(rebuild.stdout).not.toContain('STOPPED');
      expect(await countedLines(), `run ${run}`).toEqual(expected);
    }
  }, 1_800_000);

  it("prints the function's own error for the record a shard stopped at", async () => {
    // A minute of its own, 20 minutes back: a dozen events over every shard, one with a value
    // DynamoDB cannot hold (a valid event, so archived; a record the aggregate consumer refuses).
    const minute = lastMinute - 20 * MINUTE;
    const { kinesis, s3 } = clientsFor(runtime.endpoints);
    await putAcrossShards(kinesis, runtime.endpoints.streamName, {
      events: 12,
      event: (i) => ({
        id: `rebuild-why-${i}`,
        type: 'rebuild-why',
        source: 'web',
        time: new Date(minute + i * 1_000).toISOString(),
        value: i === 4 ? 1e200 : i + 1,
      }),
    });
    await pollUntil(
      async () => {
        const refused = (await failedRecords(s3, runtime.endpoints.buckets.AggregateFailedBatchesBucket ?? '')).some(
          (record) => record.data.toString('utf8').includes('"value":1e+200'),
        );
        const archived = (await archivedLines(s3, runtime.endpoints.buckets.ArchiveBucket ?? '', 'events/')).filter(
          ({ line }) => line.event?.type === 'rebuild-why',
        ).length;
        return refused && archived === 12 ? true : undefined;
      },
      { what: 'the refused record in the failure bucket, all twelve archived', ...WAIT },
    );

    const run = await runCli(
      'replay',
      [
        '--consumer',
        'aggregate',
        '--rebuild',
        '--from',
        new Date(minute).toISOString(),
        '--to',
        new Date(minute + MINUTE - 1).toISOString(),
        '--arrived-from',
        new Date(startedAt - MINUTE).toISOString(),
      ],
      cliEnv,
      CLI_LIMIT,
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    // Record 4 went to the first shard, after record 0: one record delivered there, three on each other shard.
    const stopped = /STOPPED at (\d+): 1 record failed again: (\d+)\n/.exec(run.stdout);
    expect(stopped, run.stdout).not.toBeNull();
    const [, at, failed] = stopped as RegExpExecArray;
    expect(failed).toBe(at);
    expect(run.stdout).toContain(
      `    why: ${at}: function error (Unhandled): FullBatchFailureError: All records failed processing. ` +
        `${at}: cannot aggregate: value 1e+200 is outside the range DynamoDB numbers can hold\n`,
    );
    expect(run.stdout).toContain('replayed 10 of 12 records (12 archived events)');
  }, 900_000);

  it("names each failed record's error in the runtime's log line of a batch that failed whole", async () => {
    const { kinesis } = clientsFor(runtime.endpoints);
    // A lone record that is not JSON, on a shard with nothing else to deliver: a batch of one, failed whole.
    const { Shards: shards = [] } = await kinesis.send(
      new ListShardsCommand({ StreamName: runtime.endpoints.streamName }),
    );
    const shard = shards.find(
      (s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined && s.ShardId?.endsWith('3'),
    );
    expect(shard, 'an open shard whose id ends in 3').toBeDefined();
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: runtime.endpoints.streamName,
        Records: [
          {
            Data: Buffer.from('{"type":"half a record"'),
            PartitionKey: 'poison',
            ExplicitHashKey: shard?.HashKeyRange?.StartingHashKey,
          },
        ],
      }),
    );
    const sequenceNumber = put.Records?.[0]?.SequenceNumber ?? '';
    expect(sequenceNumber).not.toBe('');
    const aggregate = runtime.endpoints.functions.AggregateLambdaFunction?.name ?? '';
    const line = await pollUntil(
      async () =>
        runtimeLog.find(
          (entry) =>
            entry.startsWith(`${aggregate}  `) &&
            entry.includes(
              `error  FullBatchFailureError: All records failed processing. ${sequenceNumber}: not UTF-8 JSON`,
            ),
        ),
      { what: "the aggregate function's error line for the poison record", ...WAIT },
    );
    expect(line).toContain('batch 1 ');
  }, 300_000);
});
