import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandOutput,
  StopQueryExecutionCommand,
  type StopQueryExecutionCommandOutput,
} from '@aws-sdk/client-athena';
import type { Cell, QueryResult } from './queryResult.ts';
import { SqlError } from './sqlError.ts';

/** What the Athena client needs of `AthenaClient` (the real one, or a stand-in in tests). */
export interface AthenaSender {
  send(command: StartQueryExecutionCommand): Promise<StartQueryExecutionCommandOutput>;
  send(command: GetQueryExecutionCommand): Promise<GetQueryExecutionCommandOutput>;
  send(command: GetQueryResultsCommand): Promise<GetQueryResultsCommandOutput>;
  send(command: StopQueryExecutionCommand): Promise<StopQueryExecutionCommandOutput>;
}

/** The deployed stage's workgroup and Glue database (resources/sql.yml). */
export interface AthenaTarget {
  athena: AthenaSender;
  workGroup: string;
  database: string;
}

export interface AthenaOptions {
  /** Wait between two looks at a running query. Default 500 ms. */
  pollMs?: number;
  /** Aborting it stops the query on Athena (StopQueryExecution) and rejects. */
  signal?: AbortSignal;
}

/**
 * The workgroup and database of a stage, named as resources/sql.yml names them, so an analyst
 * needs no CloudFormation access to find them.
 *
 * @example
 * athenaNames('production-eu'); // { workGroup: 'kinesis-pipeline-production-eu', database: 'kinesis_pipeline_production_eu' }
 */
export function athenaNames(stage: string): { workGroup: string; database: string } {
  return { workGroup: `kinesis-pipeline-${stage}`, database: `kinesis_pipeline_${stage.replaceAll('-', '_')}` };
}

/**
 * Runs one statement on Athena in the stage's workgroup (which enforces its results location and
 * encryption), with the stage's database as the default, waits for it, and reads every page of the
 * result. A query Athena fails or cancels throws a SqlError with Athena's reason.
 *
 * @example
 * const { result, bytesScanned } = await queryAthena('SELECT count(*) AS n FROM events', { athena, ...athenaNames('dev') });
 */
export async function queryAthena(
  sql: string,
  target: AthenaTarget,
  options: AthenaOptions = {},
): Promise<{ result: QueryResult; bytesScanned: number; queryExecutionId: string }> {
  const { QueryExecutionId: id } = await target.athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: target.workGroup,
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: target.database },
    }),
  );
  if (id === undefined) throw new SqlError('Athena started no query (no QueryExecutionId)');
  const execution = await finished(target.athena, id, options);
  const state = execution.Status?.State;
  if (state !== 'SUCCEEDED') {
    throw new SqlError(`Athena query ${id} ${state}: ${execution.Status?.StateChangeReason ?? 'no reason given'}`);
  }
  return {
    result: await results(target.athena, id),
    bytesScanned: execution.Statistics?.DataScannedInBytes ?? 0,
    queryExecutionId: id,
  };
}

async function finished(athena: AthenaSender, id: string, options: AthenaOptions) {
  const pollMs = options.pollMs ?? 500;
  for (;;) {
    if (options.signal?.aborted) {
      await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
      throw new SqlError(`Athena query ${id} stopped`);
    }
    const { QueryExecution: execution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = execution?.Status?.State;
    if (execution && (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED')) return execution;
    await sleep(pollMs);
  }
}

/** Every page of a finished query's result, typed by its column metadata. */
async function results(athena: AthenaSender, id: string): Promise<QueryResult> {
  let columns: QueryResult['columns'] = [];
  const rows: Cell[][] = [];
  let token: string | undefined;
  let first = true;
  do {
    const page = await athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 1000, ...(token && { NextToken: token }) }),
    );
    if (first) {
      columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((info) => ({
        name: info.Name ?? info.Label ?? '',
        type: info.Type ?? 'varchar',
      }));
    }
    let pageRows = page.ResultSet?.Rows ?? [];
    // A SELECT's first row is its header (the column labels); a DDL or SHOW answer has none.
    if (first && pageRows[0] && isHeader(pageRows[0].Data ?? [], columns)) pageRows = pageRows.slice(1);
    for (const row of pageRows) rows.push(columns.map((column, i) => cellOf(row.Data?.[i]?.VarCharValue, column.type)));
    token = page.NextToken;
    first = false;
  } while (token);
  return { columns, rows };
}

function isHeader(data: ReadonlyArray<{ VarCharValue?: string }>, columns: QueryResult['columns']): boolean {
  return data.length === columns.length && columns.every((column, i) => data[i]?.VarCharValue === column.name);
}

/** Athena answers every value as text: numbers and booleans become JSON ones, as DuckDB's do. */
function cellOf(text: string | undefined, type: string): Cell {
  if (text === undefined) return null;
  const kind = type.toLowerCase();
  if (['tinyint', 'smallint', 'integer', 'int', 'bigint'].includes(kind)) {
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : text;
  }
  if (['double', 'float', 'real'].includes(kind) || kind.startsWith('decimal')) {
    const value = Number(text);
    return Number.isFinite(value) ? value : text;
  }
  if (kind === 'boolean') return text === 'true';
  return text;
}
