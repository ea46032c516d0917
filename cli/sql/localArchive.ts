import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { type DuckDBConnection, DuckDBInstance, type DuckDBResultReader } from '@duckdb/node-api';
import { mapConcurrent } from '../../shared/async/mapConcurrent.ts';
import { duckDbType, EVENTS_COLUMNS, EVENTS_PARTITIONS, EVENTS_TABLE } from './eventsTable.ts';
import { type Partition, partitionFilter, partitionOfKey } from './partitionPruning.ts';
import type { Cell, QueryResult, ScanStats } from './queryResult.ts';
import { SqlError } from './sqlError.ts';

/** Where the archive's objects are: the bucket ArchiveBucket, under `events/`. */
export interface LocalArchive {
  s3: S3Client;
  bucket: string;
}

const EVENTS_PREFIX = 'events/';
const DOWNLOADS_AT_ONCE = 16;

/**
 * Functions of Athena's engine (Trino) that DuckDB names differently, defined as DuckDB macros so a
 * query written for Athena runs here unchanged. Times come back in UTC, as Athena shows them.
 */
const TRINO_MACROS = [
  'CREATE MACRO from_iso8601_timestamp(text) AS CAST(text AS TIMESTAMPTZ)',
  'CREATE MACRO json_extract_scalar(json, path) AS json_extract_string(json, path)',
  'CREATE MACRO approx_distinct(x) AS approx_count_distinct(x)',
];

/**
 * Runs one SQL statement with DuckDB over the local archive, exposed as the table `events` with
 * the columns the Glue table declares (shared/sql/eventsTable.json). Only the objects of the
 * partitions the query can need are read (see partitionPruning.ts), with GetObject through the
 * local S3 endpoint, into a temporary folder that is removed afterwards. A statement DuckDB
 * refuses (syntax, unknown table or column, ...) throws a SqlError with DuckDB's message.
 *
 * @example
 * const { result, scan } = await queryLocalArchive('SELECT count(*) AS n FROM events WHERE hour = 9', archive);
 */
export async function queryLocalArchive(
  sql: string,
  archive: LocalArchive,
): Promise<{ result: QueryResult; scan: ScanStats }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const folder = await mkdtemp(join(tmpdir(), 'kinesis-pipeline-sql-'));
  try {
    await connection.run("SET TimeZone = 'UTC'");
    const statements = await connection.extractStatements(sql).catch((error: unknown) => {
      throw new SqlError(messageOf(error).replace(/^Failed to extract statements: /, ''));
    });
    if (statements.count !== 1) {
      throw new SqlError(`expected one SQL statement, got ${statements.count} (Athena runs one per query too)`);
    }
    const filter = partitionFilter(JSON.parse(await serializedSql(connection, sql)));
    const keys = await listArchive(archive);
    if (keys.length === 0) {
      throw new SqlError(
        `the archive holds no events yet (bucket ${archive.bucket}, ${EVENTS_PREFIX}): post some, then wait for the archive consumer's batch`,
      );
    }
    const needed = filter.kind === 'all' ? keys : keys.filter(({ partition }) => filter.accepts(partition));
    const bytesRead = await download(archive, needed, folder);
    await createEventsTable(
      connection,
      needed.map(({ key }) => join(folder, key)),
    );
    for (const macro of TRINO_MACROS) await connection.run(macro);
    const reader = await connection.runAndReadAll(sql).catch((error: unknown) => {
      throw new SqlError(messageOf(error));
    });
    return {
      result: resultOf(reader),
      scan: {
        objectsRead: needed.length,
        bytesRead,
        objectsInArchive: keys.length,
        ...(filter.kind === 'all' && { unpruned: filter.reason }),
      },
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(folder, { recursive: true, force: true });
  }
}

/** DuckDB's own parse of the statement as JSON (an `error` object when it is not a SELECT or does not parse). */
async function serializedSql(connection: DuckDBConnection, sql: string): Promise<string> {
  const prepared = await connection.prepare('SELECT json_serialize_sql($1::VARCHAR) AS tree');
  prepared.bindVarchar(1, sql);
  const reader = await prepared.runAndReadAll();
  const serialized = String(reader.getRowsJS()[0]?.[0] ?? '{}');
  const parsed = JSON.parse(serialized) as { error?: boolean; error_type?: string };
  // A syntax error: let DuckDB say it the way it says it when running the statement.
  if (parsed.error === true && parsed.error_type === 'parser') {
    await connection.run(sql).catch((error: unknown) => {
      throw new SqlError(messageOf(error));
    });
  }
  return serialized;
}

async function listArchive(archive: LocalArchive): Promise<Array<{ key: string; partition: Partition }>> {
  const keys: Array<{ key: string; partition: Partition }> = [];
  const pages = paginateListObjectsV2({ client: archive.s3 }, { Bucket: archive.bucket, Prefix: EVENTS_PREFIX });
  for await (const page of pages) {
    for (const { Key: key } of page.Contents ?? []) {
      const partition = key === undefined ? undefined : partitionOfKey(key);
      if (key?.endsWith('.gz') && partition) keys.push({ key, partition });
    }
  }
  return keys;
}

/** Reads each object into `folder` under its own key; returns the bytes read. */
async function download(archive: LocalArchive, objects: ReadonlyArray<{ key: string }>, folder: string) {
  const sizes = await mapConcurrent(objects, DOWNLOADS_AT_ONCE, async ({ key }) => {
    const object = await archive.s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: key }));
    const bytes = await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()));
    const path = join(folder, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    return bytes.byteLength;
  });
  return sizes.reduce((sum, size) => sum + size, 0);
}

/**
 * The table `events`: a view over the downloaded objects (gzip NDJSON, the partition columns from
 * their Hive-style paths), or an empty table with the same columns when no object is needed.
 */
async function createEventsTable(connection: DuckDBConnection, files: readonly string[]): Promise<void> {
  const columns = EVENTS_COLUMNS.map(({ name, type }) => `"${name}" ${duckDbType(type)}`);
  const partitions = EVENTS_PARTITIONS.map(({ name, type }) => `"${name}" ${duckDbType(type)}`);
  if (files.length === 0) {
    await connection.run(`CREATE TABLE ${EVENTS_TABLE} (${[...columns, ...partitions].join(', ')})`);
    return;
  }
  const list = files.map((file) => `'${file.replaceAll("'", "''")}'`).join(', ');
  const columnTypes = EVENTS_COLUMNS.map(({ name, type }) => `"${name}": '${duckDbType(type).replaceAll("'", "''")}'`);
  const hiveTypes = EVENTS_PARTITIONS.map(({ name, type }) => `'${name}': ${duckDbType(type)}`);
  const names = [...EVENTS_COLUMNS, ...EVENTS_PARTITIONS].map(({ name }) => `"${name}"`).join(', ');
  await connection.run(
    `CREATE VIEW ${EVENTS_TABLE} AS SELECT ${names} FROM read_json([${list}], format = 'newline_delimited', ` +
      `columns = {${columnTypes.join(', ')}}, hive_partitioning = true, hive_types = {${hiveTypes.join(', ')}})`,
  );
}

/** DuckDB's answer as printable cells: big integers as numbers where exact, else as text. */
function resultOf(reader: DuckDBResultReader): QueryResult {
  const js = reader.getRowsJS();
  const json = reader.getRowsJson();
  const types = reader.columnTypes().map(String);
  return {
    columns: reader.columnNames().map((name, i) => ({ name, type: types[i] ?? '' })),
    rows: js.map((row, r) => row.map((value, c) => cellOf(value, json[r]?.[c] as Cell))),
  };
}

function cellOf(value: unknown, asJson: Cell): Cell {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : String(value);
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  return asJson;
}

/** DuckDB's message, without the JavaScript wrapping. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
