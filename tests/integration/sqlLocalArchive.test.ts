import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLocalArchive } from '../../cli/sql/localArchive.ts';
import { SqlError } from '../../cli/sql/sqlError.ts';
import { planArchive } from '../../functions/archive/planArchive.ts';
import { writeArchive } from '../../functions/archive/writeArchive.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { localClients } from '../../local/localClients.ts';
import { aKinesisBatch, aPipelineRecordBytes } from '../helpers/kinesisEvents.ts';

/**
 * `npm run sql`'s engine against s3rver: an archive written by the archive consumer's own code
 * (planArchive, writeArchive: gzip NDJSON under Hive-style hour partitions), read by DuckDB as the
 * table `events`, with the GetObject calls counted to check partition pruning.
 */

const BUCKET = 'sql-archive';
const EMPTY_BUCKET = 'sql-archive-empty';
let emulators: Emulators;
let s3: S3Client;
let gets: string[] = [];

/** The S3 client, counting every GetObject key. */
const counting = (client: S3Client): S3Client =>
  new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: { input?: { Key?: string } }) => {
        if (command instanceof GetObjectCommand) gets.push(String(command.input.Key));
        return target.send(command as never);
      };
    },
  });

/** Three hours of arrivals, three shards: 9 objects; events of two types with values, one direct-producer event. */
const HOURS = ['2026-12-03T08:10:00Z', '2026-12-03T09:10:00Z', '2026-12-03T10:10:00Z'];
const SHARDS = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'];
const expected = { total: 0, byHour: new Map<number, number>(), clickValue: 0, clicks: 0 };

beforeAll(async () => {
  emulators = await startEmulators();
  s3 = localClients(emulators).s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new CreateBucketCommand({ Bucket: EMPTY_BUCKET }));
  let n = 0;
  for (const [h, hour] of HOURS.entries()) {
    for (const [s, shardId] of SHARDS.entries()) {
      const items: Array<{ data: Uint8Array | string }> = Array.from({ length: 5 + h + s }, () => {
        n += 1;
        const type = n % 3 === 0 ? 'click' : 'view';
        if (type === 'click') {
          expected.clicks += 1;
          expected.clickValue += n;
        }
        return { data: aPipelineRecordBytes({ type, source: `web-${s}`, value: n, time: hour, id: `evt-${n}` }) };
      });
      // One event a producer wrote straight to the stream: no id, time, receivedAt or ingestRequestId.
      items.push({ data: JSON.stringify({ type: 'direct', source: 'kiosk', data: { nested: [1, 2] } }) });
      const batch = aKinesisBatch(items, { shardId, arrival: new Date(hour), firstSequence: 1000 * h + 1 });
      const failed = await writeArchive(planArchive(batch.Records), { s3, bucket: BUCKET });
      expect(failed.size).toBe(0);
      expected.total += items.length;
      const hourOfDay = new Date(hour).getUTCHours();
      expected.byHour.set(hourOfDay, (expected.byHour.get(hourOfDay) ?? 0) + items.length);
    }
  }
});

afterAll(async () => {
  await emulators?.stop();
});

const query = async (sql: string, bucket = BUCKET) => {
  gets = [];
  return queryLocalArchive(sql, { s3: counting(s3), bucket });
};

describe('npm run sql over the local archive (DuckDB)', () => {
  it('answers counts, sums and groups per hour equal to what was archived, direct producers included', async () => {
    const { result, scan } = await query(
      "SELECT hour, count(*) AS events, count(*) FILTER (WHERE event.type = 'direct') AS direct FROM events GROUP BY hour ORDER BY hour",
    );
    expect(result.columns.map((column) => column.name)).toEqual(['hour', 'events', 'direct']);
    expect(result.rows).toEqual([...expected.byHour].map(([hour, events]) => [hour, events, 3]));
    expect(scan).toMatchObject({ objectsRead: 9, objectsInArchive: 9, unpruned: 'no partition filter' });
    expect(gets).toHaveLength(9);

    const clicks = await query(
      "SELECT count(*) AS n, sum(event.value) AS total FROM events WHERE event.type = 'click'",
    );
    expect(clicks.result.rows).toEqual([[expected.clicks, expected.clickValue]]);
  });

  it('exposes every field of the archived line: the Kinesis metadata, data as JSON text, times as text', async () => {
    const { result } = await query(
      "SELECT kinesis.shardId AS shard, kinesis.partitionKey AS pk, event.data AS data, json_extract_scalar(event.data, '$.nested[1]') AS second, " +
        "event.receivedAt IS NOT NULL AS received, event.ingestRequestId AS request, year, month, day FROM events WHERE event.type = 'direct' AND hour = 8 ORDER BY shard",
      BUCKET,
    );
    expect(result.rows[0]).toEqual([
      'shardId-000000000000',
      expect.any(String),
      '{"nested":[1,2]}',
      '2',
      true,
      null,
      2026,
      12,
      3,
    ]);
    expect(result.rows).toHaveLength(3);
  });

  it('reads only the objects of the hour a query filters on', async () => {
    const { result, scan } = await query(
      'SELECT count(*) AS n FROM events WHERE year = 2026 AND month = 12 AND day = 3 AND hour = 9',
    );
    expect(result.rows).toEqual([[expected.byHour.get(9)]]);
    expect(scan).toMatchObject({ objectsRead: 3, objectsInArchive: 9 });
    expect(scan.unpruned).toBeUndefined();
    expect(gets).toHaveLength(3);
    expect(gets.every((key) => key.includes('/hour=09/'))).toBe(true);
  });

  it('answers an hour with no objects with an empty table, reading nothing', async () => {
    const { result } = await query('SELECT count(*) AS n FROM events WHERE hour = 23');
    expect(result.rows).toEqual([[0]]);
    expect(gets).toEqual([]);
  });

  it('refuses a syntax error, an unknown table and an empty archive with a clear message, reading nothing', async () => {
    await expect(query('SELEC count(*) FROM events')).rejects.toThrow(/^Parser Error: syntax error at or near "SELEC"/);
    await expect(query('SELECT * FROM evnts')).rejects.toThrow(/Catalog Error: Table with name evnts does not exist/);
    await expect(query('SELECT 1; SELECT 2')).rejects.toThrow(/expected one SQL statement, got 2/);
    await expect(query('SELECT count(*) FROM events', EMPTY_BUCKET)).rejects.toThrow(SqlError);
    await expect(query('SELECT count(*) FROM events', EMPTY_BUCKET)).rejects.toThrow(/the archive holds no events yet/);
    expect(gets).toEqual([]);
  });
});
