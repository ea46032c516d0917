import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CopyObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../local/emulators.ts';
import { writeLocalEndpoints } from '../../local/endpointsFile.ts';
import { batchEvent, toShardRecord } from '../../local/eventSourceMapping/event.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { encodeAggregated } from '../../shared/kinesis/kplAggregation.ts';
import { type AggregateView, takeOneFromCount } from '../helpers/aggregateTotals.ts';
import {
  archivedLines,
  clientsFor,
  failedRecords,
  getAllPages,
  postEvents,
  startTestPipeline,
} from '../helpers/localPipeline.ts';
import { runCli } from '../helpers/runCli.ts';

/**
 * Redrive and replay through the local runtime, with the CLIs as an operator runs them: a poison
 * record ends in the aggregate consumer's failure bucket and stays there on redrive; a batch that
 * failed during an outage (valid payload) is redriven, moved under redriven/, and a second redrive
 * of it counts nothing twice; the aggregates, wiped, come back identical from a replay of the archive.
 * KPL-aggregated records go through both: one in the stream (so in the archive), one in the batch
 * redriven.
 */

const POSTED = 120;
/** Events in the one KPL-aggregated record put straight on the stream besides the posted ones. */
const KPL_EVENTS = 20;
/** What the archive holds: the posted events, and the KPL record's, one line each. */
const ARCHIVED = POSTED + KPL_EVENTS;
/** Kinesis records behind them: one per posted event, one for the KPL record. */
const RECORDS = POSTED + 1;
const MINUTE = 60_000;
const POISON = Buffer.from('{"type":"half a record"');

let runtime: LocalRuntime;
let cliEnv: Record<string, string>;
let windowRange: string;
let startedAt: number;

/** Every aggregate in the test's window range, reduced to what is counted, in a stable order. */
async function aggregates(): Promise<string[]> {
  const items = await getAllPages<AggregateView>(runtime.endpoints, `/aggregates?${windowRange}&limit=1000`);
  return items
    .map(({ type, source, window, count, valueCount, sum, min, max }) =>
      JSON.stringify({ type, source, window, count, valueCount, sum, min, max }),
    )
    .sort();
}

/** The key of every aggregate part, with the client and table to change them by hand. */
async function aggregateKeys() {
  const { dynamodb } = clientsFor(runtime.endpoints);
  const table = runtime.endpoints.tables.AggregatesTable ?? '';
  const { Items: keys = [] } = await dynamodb.send(
    new ScanCommand({ TableName: table, ProjectionExpression: 'pk, sk' }),
  );
  return { dynamodb, table, keys };
}

const failedBucket = () => runtime.endpoints.buckets.AggregateFailedBatchesBucket ?? '';

async function keysIn(prefix: string): Promise<string[]> {
  const { s3 } = clientsFor(runtime.endpoints);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: failedBucket(), Prefix: prefix }));
  return (listed.Contents ?? []).map(({ Key }) => Key ?? '').sort();
}

beforeAll(async () => {
  runtime = await startTestPipeline('redrive');
  // The CLIs find this pipeline as they find the one `npm start` runs: through its endpoints.json.
  const cliDir = await mkdtemp(join(tmpdir(), 'kp-e2e-redrive-cli-'));
  await writeLocalEndpoints(runtime.endpoints, join(cliDir, 'endpoints.json'));
  cliEnv = { KP_LOCAL_DIR: cliDir };
  startedAt = Date.now();
  windowRange = `from=${new Date(startedAt - 10 * MINUTE).toISOString()}&to=${new Date(startedAt + 10 * MINUTE).toISOString()}`;

  const events = Array.from({ length: POSTED }, (_, i) => ({
    id: `redrive-${i}`,
    type: `rd-${i % 3}`,
    source: `src-${i % 4}`,
    time: new Date(startedAt - (i % 5) * MINUTE).toISOString(),
    value: i + 1,
  }));
  expect((await postEvents(runtime.endpoints, JSON.stringify(events.slice(0, 60)))).status).toBe(200);
  const { kinesis } = clientsFor(runtime.endpoints);
  await kinesis.send(
    new PutRecordsCommand({ StreamName: runtime.endpoints.streamName, Records: [{ Data: POISON, PartitionKey: 'p' }] }),
  );
  expect((await postEvents(runtime.endpoints, JSON.stringify(events.slice(60)))).status).toBe(200);
  const kplEvents = Array.from({ length: KPL_EVENTS }, (_, k) => ({
    // Half of them without an id: the consumers derive it from the record's position.
    ...(k % 2 ? { id: `redrive-kpl-${k}` } : {}),
    type: `rd-${k % 3}`,
    source: 'kpl',
    time: new Date(startedAt - (k % 5) * MINUTE).toISOString(),
    value: 100 + k,
  }));
  await kinesis.send(
    new PutRecordsCommand({
      StreamName: runtime.endpoints.streamName,
      Records: [
        {
          Data: encodeAggregated(kplEvents.map((e) => ({ partitionKey: 'kpl', data: Buffer.from(JSON.stringify(e)) }))),
          PartitionKey: 'kpl',
        },
      ],
    }),
  );

  const { s3 } = clientsFor(runtime.endpoints);
  await pollUntil(
    async () => {
      const counted = (await aggregates()).reduce((sum, item) => sum + (JSON.parse(item) as AggregateView).count, 0);
      const poisoned = (await failedRecords(s3, failedBucket())).some((record) => record.data.equals(POISON));
      const archived = (await archivedLines(s3, runtime.endpoints.buckets.ArchiveBucket ?? '', 'events/')).length;
      return counted >= ARCHIVED && poisoned && archived >= ARCHIVED ? true : undefined;
    },
    {
      what: 'events aggregated and archived, the poison record in the failure bucket',
      timeoutMs: 60_000,
      intervalMs: 500,
    },
  );
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe('npm run redrive and npm run replay against the local pipeline', () => {
  let before: string[];
  const outageKey =
    'aws/lambda/00000000-0000-4000-8000-000000000000/shardId-000000000000/2026/01/02/2026-01-02T03.04.05-outage';

  it('shows the failed batches on --dry-run and delivers nothing', async () => {
    before = await aggregates();
    const waiting = await keysIn('aws/lambda/');
    const run = await runCli('redrive', ['--consumer', 'aggregate', '--dry-run'], cliEnv);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('aggregate consumer, the local pipeline');
    expect(run.stdout).toMatch(/\d+ failed batch(es)?, \d+ records?, 1 shard in /);
    // A lone poison record (after bisection) fails the whole invoke: Powertools throws when every record fails.
    expect(run.stdout).toMatch(/first error: RetryAttemptsExhausted at .*: (the function failed|records reported)/);
    expect(run.stdout).not.toContain('redriving');
    expect(await keysIn('aws/lambda/')).toEqual(waiting);
  });

  it('redrives a batch lost in an outage to the aggregate consumer only, moves it, and keeps the poison with the reason', async () => {
    // What Lambda writes when retries run out while DynamoDB is down: a valid batch, with its payload.
    const source = { streamArn: runtime.endpoints.streamArn, region: runtime.endpoints.region, roleArn: '' };
    const outageEvent = (id: string) =>
      Buffer.from(
        JSON.stringify({
          specversion: '1.0',
          id,
          type: 'redrive-check',
          source: 'outage',
          time: new Date(startedAt).toISOString(),
          value: 10,
          receivedAt: new Date(startedAt).toISOString(),
          ingestRequestId: 'outage',
        }),
      );
    // Five records, the first a KPL-aggregated one of three events: seven events.
    const records = Array.from({ length: 5 }, (_, i) =>
      toShardRecord(
        {
          SequenceNumber: `4900000000000000000000000000000000000000000000000000000${i}`,
          PartitionKey: `outage-${i}`,
          ApproximateArrivalTimestamp: new Date(startedAt),
          Data:
            i === 0
              ? encodeAggregated(
                  ['a', 'b', 'c'].map((k) => ({ partitionKey: 'outage-0', data: outageEvent(`outage-0${k}`) })),
                )
              : outageEvent(`outage-${i}`),
        },
        'shardId-000000000000',
        source,
      ),
    );
    const failure = {
      requestContext: {
        requestId: 'outage',
        functionArn: runtime.endpoints.functions.AggregateLambdaFunction?.arn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 6,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: records[0]?.sequenceNumber,
        endSequenceNumber: records.at(-1)?.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(startedAt).toISOString(),
        approximateArrivalOfLastRecord: new Date(startedAt).toISOString(),
        batchSize: records.length,
        streamArn: runtime.endpoints.streamArn,
      },
      payload: JSON.stringify(batchEvent(records)),
    };
    const { s3 } = clientsFor(runtime.endpoints);
    await s3.send(new PutObjectCommand({ Bucket: failedBucket(), Key: outageKey, Body: JSON.stringify(failure) }));
    const poisonKeys = (await keysIn('aws/lambda/')).filter((key) => key !== outageKey);
    const alertsBefore = await getAllPages(runtime.endpoints, '/alerts');

    const run = await runCli('redrive', ['--consumer', 'aggregate'], cliEnv);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(run.stdout).toContain(`redriven ${outageKey}`);
    expect(run.stdout).toMatch(
      /kept aws\/lambda\/.*: (function error \(Unhandled\): FullBatchFailureError|1 record failed again)/,
    );
    // Why the poison stays: its own error, in the function error's message or (when it failed
    // beside other records) in the answer to it delivered again alone.
    const poisonSequence = (await failedRecords(s3, failedBucket())).find((record) =>
      record.data.equals(POISON),
    )?.sequenceNumber;
    expect(run.stdout).toMatch(
      new RegExp(
        `(FullBatchFailureError: All records failed processing\\. |why: )${poisonSequence}: .*not UTF-8 JSON: `,
      ),
    );
    expect(run.stdout).toContain(`redriven 1, kept ${poisonKeys.length}`);

    expect(await keysIn('aws/lambda/')).toEqual(poisonKeys);
    expect(await keysIn('redriven/')).toEqual([`redriven/${outageKey}`]);
    const after = await aggregates();
    const outage = after
      .filter((item) => item.includes('"redrive-check"'))
      .map((item) => JSON.parse(item) as AggregateView);
    expect(outage.map(({ count, sum }) => ({ count, sum }))).toEqual([{ count: 7, sum: 70 }]);
    const bySource = await getAllPages<AggregateView>(
      runtime.endpoints,
      `/aggregates?type=redrive-check&source=outage&${windowRange}`,
    );
    expect(bySource.map(({ count, sum }) => ({ count, sum }))).toEqual([{ count: 7, sum: 70 }]);
    expect(after.filter((item) => !item.includes('"redrive-check"'))).toEqual(before);
    // Delivered to the aggregate consumer only.
    expect(await getAllPages(runtime.endpoints, '/alerts')).toEqual(alertsBefore);
  });

  it('counts nothing twice when the same batch is redriven again', async () => {
    const once = await aggregates();
    const { s3 } = clientsFor(runtime.endpoints);
    await s3.send(
      new CopyObjectCommand({
        Bucket: failedBucket(),
        Key: outageKey,
        CopySource: `${failedBucket()}/redriven/${outageKey}`,
      }),
    );
    const run = await runCli(
      'redrive',
      ['--consumer', 'aggregate', '--since', new Date(Date.now() - MINUTE).toISOString()],
      cliEnv,
    );
    expect(run.stdout).toContain(`redriven ${outageKey}`);
    expect(await aggregates()).toEqual(once);
    await expect(s3.send(new HeadObjectCommand({ Bucket: failedBucket(), Key: outageKey }))).rejects.toThrow();
  });

  it('rebuilds wiped aggregates identically from the archive, and a second replay changes nothing', async () => {
    const { dynamodb, table, keys } = await aggregateKeys();
    for (const item of keys) await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: item }));
    expect(await aggregates()).toEqual([]);

    const range = ['--from', new Date(startedAt - MINUTE).toISOString(), '--to', new Date(Date.now()).toISOString()];
    const dryRun = await runCli('replay', ['--consumer', 'aggregate', ...range, '--dry-run'], cliEnv);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain(`${ARCHIVED} archived events arrived`);
    expect(await aggregates()).toEqual([]);

    const run = await runCli('replay', ['--consumer', 'aggregate', ...range, '--batch-size', '25'], cliEnv);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`replayed ${RECORDS} of ${RECORDS} records (${ARCHIVED} archived events)`);
    expect(await aggregates()).toEqual(before);

    const again = await runCli('replay', ['--consumer', 'aggregate', ...range], cliEnv);
    expect(again.code, again.stderr).toBe(0);
    expect(await aggregates()).toEqual(before);
  });

  it('recounts windows exactly with replay --rebuild, where a plain replay leaves an undercount the watermark hides', async () => {
    const { dynamodb, table, keys } = await aggregateKeys();
    // What a skipped record leaves: an item one event short, its watermark past that event (as
    // after redriving an outage's batch whose items later records had updated); and one item gone.
    const [short, gone] = keys.filter((item) => item.pk?.S?.startsWith('T#'));
    if (!short || !gone) throw new Error('fewer than two type-level parts');
    await takeOneFromCount(dynamodb, table, short);
    await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: gone }));
    const damaged = await aggregates();
    expect(damaged).not.toEqual(before);

    const range = ['--from', new Date(startedAt - MINUTE).toISOString(), '--to', new Date(Date.now()).toISOString()];
    const plain = await runCli('replay', ['--consumer', 'aggregate', ...range], cliEnv);
    expect(plain.code, plain.stderr).toBe(0);
    const afterPlain = await aggregates();
    // The deleted item comes back, but the short one stays short: its watermark skips the replay.
    expect(afterPlain).not.toEqual(before);
    expect(afterPlain.filter((line) => !before.includes(line))).toHaveLength(1);

    // Windows of event time (the events' times span the five minutes before the start), read from
    // what arrived since the start.
    const windows = [
      '--from',
      new Date(startedAt - 10 * MINUTE).toISOString(),
      '--to',
      new Date(startedAt + 10 * MINUTE).toISOString(),
      '--arrived-from',
      new Date(startedAt - MINUTE).toISOString(),
    ];
    const rebuild = await runCli('replay', ['--consumer', 'aggregate', ...windows, '--rebuild'], cliEnv);
    expect(rebuild.code, `${rebuild.stdout}\n${rebuild.stderr}`).toBe(0);
    expect(rebuild.stdout).toMatch(/deleted \d+ aggregate items of those windows/);
    expect(rebuild.stdout).toContain(`${ARCHIVED} archived events in the windows`);
    expect(await aggregates()).toEqual(before);

    const again = await runCli('replay', ['--consumer', 'aggregate', ...windows, '--rebuild'], cliEnv);
    expect(again.code, again.stderr).toBe(0);
    expect(await aggregates()).toEqual(before);
  });

  it('refuses --rebuild for another consumer than aggregate, and --arrived-from without --rebuild', async () => {
    const run = await runCli(
      'replay',
      ['--consumer', 'alert', '--from', '2026-01-01', '--to', '2026-01-02', '--rebuild'],
      cliEnv,
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--rebuild recounts aggregates: it needs --consumer aggregate');
    const stray = await runCli(
      'replay',
      ['--consumer', 'aggregate', '--from', '2026-01-01', '--to', '2026-01-02', '--arrived-from', '2026-01-01'],
      cliEnv,
    );
    expect(stray.code).not.toBe(0);
    expect(stray.stderr).toContain('--arrived-from and --arrived-to only go with --rebuild');
  });

  it('refuses to replay the archive into itself, and an unknown consumer', async () => {
    const run = await runCli('replay', ['--consumer', 'archive', '--from', '2026-01-01', '--to', '2026-01-02'], cliEnv);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--consumer must be one of aggregate, alert');
    expect((await runCli('redrive', ['--consumer', 'nope'], cliEnv)).code).toBe(2);
  });
});
