import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../local/emulators.ts';
import { type AggregateView, foldWindows, totalsBy } from '../helpers/aggregateTotals.ts';
import { archivedLines, clientsFor, getAllPages, postEvents } from '../helpers/localPipeline.ts';
import { runCli } from '../helpers/runCli.ts';
import { killSpawnedRuntimes, type RuntimeProcess, spawnRuntime } from '../helpers/runtimeProcess.ts';

/**
 * `npm run sql` as a user runs it, against `npm start` (a child process): events posted over HTTP
 * and plain CloudEvents another producer put straight into the stream, archived by the archive
 * consumer, then queried with DuckDB as the table `events`. The answers must equal what was sent
 * and what the aggregates API counts.
 */

const MINUTE = 60_000;
const TYPES = ['page_view', 'click', 'purchase'] as const;

interface Sent {
  id: string;
  type: string;
  source: string;
  value: number;
  time: string;
}

let localDir: string;
let runtime: RuntimeProcess;
let cliEnv: Record<string, string>;
let windowRange: string;
const sent: Sent[] = [];

beforeAll(async () => {
  localDir = await mkdtemp(join(tmpdir(), 'kp-e2e-sql-'));
  cliEnv = { KP_LOCAL_DIR: localDir };
  const ports = ['HTTP', 'KINESIS', 'DYNAMODB', 'S3', 'SNS', 'LAMBDA'].map((name) => [`KP_${name}_PORT`, '0']);
  runtime = await spawnRuntime({ localDir, env: Object.fromEntries(ports), args: ['--fresh'] });
  const now = Date.now();
  windowRange = `from=${new Date(now - 30 * MINUTE).toISOString()}&to=${new Date(now + 5 * MINUTE).toISOString()}`;

  const posted = Array.from({ length: 120 }, (_, i) => ({
    id: `sql-http-${i}`,
    type: TYPES[i % 3] as string,
    source: i % 4 === 0 ? 'app' : 'web',
    value: i + 0.5,
    time: new Date(now - (i % 20) * 1_000).toISOString(),
  }));
  expect((await postEvents(runtime.endpoints, JSON.stringify(posted))).status).toBe(200);
  sent.push(...posted);

  // Another producer, with the AWS SDK: CloudEvents without the ingest fields.
  const direct = Array.from({ length: 30 }, (_, i) => ({
    specversion: '1.0',
    id: `sql-ce-${i}`,
    type: TYPES[i % 3] as string,
    source: 'partner-api',
    value: 100 * i,
    time: new Date(now - i * 1_000).toISOString(),
    data: { order: i, lines: [i, i + 1] },
  }));
  const { kinesis } = clientsFor(runtime.endpoints);
  const put = await kinesis.send(
    new PutRecordsCommand({
      StreamName: runtime.endpoints.streamName,
      Records: direct.map((event) => ({ Data: Buffer.from(JSON.stringify(event)), PartitionKey: event.id })),
    }),
  );
  kinesis.destroy();
  expect(put.FailedRecordCount).toBe(0);
  sent.push(...direct);

  const { s3 } = clientsFor(runtime.endpoints);
  await pollUntil(
    async () => {
      const lines = await archivedLines(s3, runtime.endpoints.buckets.ArchiveBucket ?? '', 'events/');
      return lines.length >= sent.length ? true : undefined;
    },
    { what: 'every event archived', timeoutMs: 120_000, intervalMs: 500 },
  );
}, 240_000);

afterAll(async () => {
  await runtime?.stop();
  killSpawnedRuntimes();
});

/** `npm run sql -- --format json <query>`: the rows, and what it said on stderr. */
async function sql(query: string): Promise<{ rows: Array<Record<string, unknown>>; stderr: string }> {
  const run = await runCli('sql', ['--format', 'json', query], cliEnv);
  expect(run.code, run.stderr).toBe(0);
  return { rows: JSON.parse(run.stdout) as Array<Record<string, unknown>>, stderr: run.stderr };
}

describe('npm run sql against npm start', () => {
  it('counts and sums per type what was sent, over HTTP and straight into the stream, as the aggregates API does', async () => {
    const { rows } = await sql(
      'SELECT event.type AS type, count(*) AS events, sum(event.value) AS total FROM events GROUP BY event.type ORDER BY type',
    );
    const expected = totalsBy(sent, (event) => event.type);
    expect(rows).toEqual(
      [...expected]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, t]) => ({ type, events: t.count, total: t.sum })),
    );
    const aggregates = await pollUntil(
      async () => {
        const items = await getAllPages<AggregateView>(runtime.endpoints, `/aggregates?${windowRange}&limit=1000`);
        const byType = foldWindows(items, (item) => item.type);
        const counted = [...byType.values()].reduce((sum, entry) => sum + entry.count, 0);
        return counted >= sent.length ? byType : undefined;
      },
      { what: 'every event aggregated', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(rows.map((row) => [row.type, row.events, row.total])).toEqual(
      rows.map((row) => [row.type, aggregates.get(String(row.type))?.count, aggregates.get(String(row.type))?.sum]),
    );
  });

  it("groups per hour of event time and per arrival partition, and keeps a direct producer's data as JSON text", async () => {
    const perHour = await sql(
      'SELECT substr(event.time, 1, 13) AS hour_of_event, count(*) AS events FROM events GROUP BY 1 ORDER BY 1',
    );
    const expectedHours = new Map<string, number>();
    for (const event of sent)
      expectedHours.set(event.time.slice(0, 13), (expectedHours.get(event.time.slice(0, 13)) ?? 0) + 1);
    expect(perHour.rows).toEqual([...expectedHours].sort().map(([hour, events]) => ({ hour_of_event: hour, events })));

    const partitions = await sql(
      'SELECT year, month, day, hour, count(*) AS events FROM events GROUP BY ALL ORDER BY ALL',
    );
    expect(partitions.rows.reduce((sum, row) => sum + Number(row.events), 0)).toBe(sent.length);

    const partner = await sql(
      "SELECT count(*) AS events, max(json_extract_scalar(event.data, '$.order')) AS last_order, " +
        "count(event.ingestRequestId) AS through_ingest FROM events WHERE event.source = 'partner-api'",
    );
    expect(partner.rows).toEqual([{ events: 30, last_order: '9', through_ingest: 0 }]);
  });

  it('reads only the partition a query names, and says so', async () => {
    const [first] = (await sql('SELECT year, month, day, hour FROM events LIMIT 1')).rows;
    const { rows, stderr } = await sql(
      `SELECT count(*) AS events FROM events WHERE year = ${first?.year} AND month = ${first?.month} AND day = ${first?.day} AND hour = ${first?.hour}`,
    );
    expect(Number(rows[0]?.events)).toBeGreaterThan(0);
    const [, read, all] = /read (\d+) of (\d+) archive objects/.exec(stderr) ?? [];
    expect(Number(read)).toBeLessThanOrEqual(Number(all));
    expect(stderr).not.toMatch(/every object/);
  });

  it('prints a table and CSV, and answers bad input with one line and an exit code', async () => {
    const table = await runCli('sql', ['SELECT count(*) AS events FROM events'], cliEnv);
    expect(table.stdout).toBe(`events\n------\n${String(sent.length).padStart(6)}\n(1 row)\n`);
    const csv = await runCli('sql', ['--format', 'csv', "SELECT 'a,b' AS x, NULL AS y"], cliEnv);
    expect(csv.stdout).toBe('x,y\r\n"a,b",\r\n');

    const syntax = await runCli('sql', ['SELEC 1'], cliEnv);
    expect([syntax.code, syntax.stdout]).toEqual([1, '']);
    expect(syntax.stderr).toMatch(/^error: Parser Error: syntax error at or near "SELEC"/);
    expect(syntax.stderr).not.toMatch(/\n\s+at /);
    const table404 = await runCli('sql', ['SELECT * FROM evnts'], cliEnv);
    expect(table404.code).toBe(1);
    expect(table404.stderr).toMatch(/Table with name evnts does not exist/);
    const usage = await runCli('sql', ['--formt', 'json', 'SELECT 1'], cliEnv);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: Unknown option '--formt'/);
    const noPipeline = await runCli('sql', ['SELECT 1'], { KP_LOCAL_DIR: join(localDir, 'nowhere') });
    expect([noPipeline.code, noPipeline.stderr]).toEqual([1, expect.stringMatching(/no local pipeline/)]);
  });
});
