import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckDbType, EVENTS_COLUMNS, EVENTS_PARTITIONS } from '../../cli/sql/eventsTable.ts';
import { formatResult } from '../../cli/sql/formatResult.ts';
import { type Partition, partitionFilter, partitionOfKey } from '../../cli/sql/partitionPruning.ts';
import { archiveKey } from '../../functions/archive/archiveKey.ts';

let instance: DuckDBInstance;
let connection: Awaited<ReturnType<DuckDBInstance['connect']>>;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

/** DuckDB's syntax tree of a statement, as npm run sql reads it. */
async function serialized(sql: string): Promise<unknown> {
  const prepared = await connection.prepare('SELECT json_serialize_sql($1::VARCHAR)');
  prepared.bindVarchar(1, sql);
  return JSON.parse(String((await prepared.runAndReadAll()).getRowsJS()[0]?.[0]));
}

const at = (year: number, month: number, day: number, hour: number): Partition => ({ year, month, day, hour });
/** Two days of hours around a month boundary: the partitions an archive could hold. */
const HOURS = Array.from({ length: 48 }, (_, i) => {
  const t = new Date(Date.UTC(2026, 10, 30, 0) + i * 3_600_000);
  return at(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours());
});
const label = ({ year, month, day, hour }: Partition) => `${year}-${month}-${day} ${hour}`;

/** The hours (of HOURS) a query reads, or 'all'. */
async function hoursRead(sql: string): Promise<string[] | 'all'> {
  const filter = partitionFilter(await serialized(sql));
  return filter.kind === 'all' ? 'all' : HOURS.filter(filter.accepts).map(label);
}

describe('partitionOfKey', () => {
  it('reads the partition of every key the archive writes, and nothing else', () => {
    const key = archiveKey('events', {
      shardId: 'shardId-000000000001',
      firstSequence: '49',
      lastSequence: '51',
      firstArrivalMs: Date.UTC(2026, 11, 3, 9, 59),
    });
    expect(partitionOfKey(key)).toEqual(at(2026, 12, 3, 9));
    expect(partitionOfKey('events/other/x.ndjson.gz')).toBeUndefined();
  });
});

describe('partitionFilter', () => {
  it('reads one hour for equalities on every partition column, qualified or not, constants as numbers or text', async () => {
    expect(
      await hoursRead('SELECT count(*) FROM events WHERE year = 2026 AND month = 12 AND day = 1 AND hour = 9'),
    ).toEqual(['2026-12-1 9']);
    expect(
      await hoursRead(
        "SELECT * FROM events e WHERE e.year = '2026' AND 12 = e.month AND e.day = 1 AND e.hour = '09' AND e.event.type = 'x'",
      ),
    ).toEqual(['2026-12-1 9']);
  });

  it('reads ranges: BETWEEN, IN, inequalities', async () => {
    expect(await hoursRead('SELECT 1 FROM events WHERE month = 11 AND hour BETWEEN 22 AND 23')).toEqual([
      '2026-11-30 22',
      '2026-11-30 23',
    ]);
    expect(await hoursRead('SELECT 1 FROM events WHERE day IN (1) AND hour IN (0, 12) AND hour <> 12')).toEqual([
      '2026-12-1 0',
    ]);
    expect(await hoursRead('SELECT 1 FROM events WHERE month >= 12 AND hour < 2')).toEqual([
      '2026-12-1 0',
      '2026-12-1 1',
    ]);
  });

  it('takes the union over references, each limited by its own SELECT (subqueries, CTEs, unions)', async () => {
    const sql = `WITH late AS (SELECT * FROM events WHERE month = 11 AND hour = 23)
      SELECT count(*) FROM late UNION ALL SELECT count(*) FROM events WHERE month = 12 AND day = 1 AND hour = 0`;
    expect(await hoursRead(sql)).toEqual(['2026-11-30 23', '2026-12-1 0']);
    expect(
      await hoursRead(
        'SELECT * FROM events a JOIN events b ON a.event.id = b.event.id WHERE a.hour = 1 AND b.hour = 2',
      ),
    ).toEqual(['2026-11-30 1', '2026-11-30 2', '2026-12-1 1', '2026-12-1 2']);
  });

  it('reads everything when any reference is not limited, or the limit is not a plain comparison', async () => {
    expect(await hoursRead('SELECT count(*) FROM events')).toBe('all');
    expect(await hoursRead('SELECT 1 FROM events WHERE hour = 1 OR day = 2')).toBe('all');
    expect(await hoursRead('SELECT 1 FROM events WHERE hour + 1 = 2')).toBe('all');
    expect(await hoursRead('SELECT 1 FROM events WHERE hour = 1 UNION ALL SELECT 1 FROM events')).toBe('all');
    // Unqualified columns next to another table may be that table's.
    expect(await hoursRead('SELECT 1 FROM events e, (SELECT 1 AS hour) o WHERE hour = 1')).toBe('all');
    // A CTE called events hides the table; CREATE is not a SELECT DuckDB can serialize.
    expect(await hoursRead('WITH events AS (SELECT 1 AS hour) SELECT * FROM events WHERE hour = 1')).toBe('all');
    expect(await hoursRead('CREATE TABLE x AS SELECT * FROM events WHERE hour = 1')).toBe('all');
  });

  it('reads nothing for a query that does not name the table', async () => {
    expect(await hoursRead('SELECT 42')).toEqual([]);
  });
});

describe('the events table in DuckDB types', () => {
  it('maps every declared Hive type, structs with quoted field names', () => {
    expect(duckDbType('struct<type:string,value:double,n:int>')).toBe(
      'STRUCT("type" VARCHAR, "value" DOUBLE, "n" INTEGER)',
    );
    for (const { type } of [...EVENTS_COLUMNS, ...EVENTS_PARTITIONS]) expect(() => duckDbType(type)).not.toThrow();
    expect(() => duckDbType('map<string,string>')).toThrow(/no DuckDB equivalent/);
  });
});

describe('formatResult', () => {
  const result = {
    columns: [
      { name: 'type', type: 'VARCHAR' },
      { name: 'n', type: 'BIGINT' },
      { name: 'note', type: 'VARCHAR' },
    ],
    rows: [
      ['click', 12, null],
      ['a "quoted", b', 3, 'x'],
    ],
  };

  it('prints an aligned table, JSON row objects and RFC 4180 CSV', () => {
    expect(formatResult(result, 'table')).toBe(
      [
        'type          |  n | note',
        '--------------+----+-----',
        'click         | 12 | NULL',
        'a "quoted", b |  3 | x',
        '(2 rows)',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(formatResult(result, 'json'))).toEqual([
      { type: 'click', n: 12, note: null },
      { type: 'a "quoted", b', n: 3, note: 'x' },
    ]);
    expect(formatResult(result, 'csv')).toBe('type,n,note\r\nclick,12,\r\n"a ""quoted"", b",3,x\r\n');
  });
});
