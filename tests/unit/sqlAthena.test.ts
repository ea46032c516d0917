import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { describe, expect, it } from 'vitest';
import { type AthenaSender, athenaNames, queryAthena } from '../../cli/sql/athena.ts';
import { SqlError } from '../../cli/sql/sqlError.ts';

/**
 * Athena has no local engine, so `npm run sql -- --athena` is checked against a stand-in that
 * answers the four calls as Athena documents them: a query id, states until a final one, result
 * pages whose first row is the header, every value as text (VarCharValue, absent for NULL).
 */
function anAthena(options: { states: string[]; reason?: string; pages?: Array<Array<Array<string | undefined>>> }) {
  const calls: Array<{ name: string; input: Record<string, unknown> }> = [];
  let look = 0;
  const columns = [
    { Name: 'type', Type: 'varchar' },
    { Name: 'events', Type: 'bigint' },
    { Name: 'total', Type: 'double' },
    { Name: 'ok', Type: 'boolean' },
  ];
  const athena = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      calls.push({ name: command.constructor.name, input: command.input });
      if (command instanceof StartQueryExecutionCommand) return { QueryExecutionId: 'q-1' };
      if (command instanceof StopQueryExecutionCommand) return {};
      if (command instanceof GetQueryExecutionCommand) {
        const state = options.states[Math.min(look, options.states.length - 1)];
        look += 1;
        return {
          QueryExecution: {
            Status: { State: state, ...(options.reason && { StateChangeReason: options.reason }) },
            Statistics: { DataScannedInBytes: 12_345 },
          },
        };
      }
      if (command instanceof GetQueryResultsCommand) {
        const index = command.input.NextToken === undefined ? 0 : Number(command.input.NextToken);
        const pages = options.pages ?? [];
        return {
          ResultSet: {
            ResultSetMetadata: { ColumnInfo: columns },
            Rows: (pages[index] ?? []).map((row) => ({
              Data: row.map((value) => (value === undefined ? {} : { VarCharValue: value })),
            })),
          },
          ...(index + 1 < pages.length && { NextToken: String(index + 1) }),
        };
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
  return { athena: athena as unknown as AthenaSender, calls };
}

describe('queryAthena', () => {
  it('runs in the stage workgroup and database, waits, reads every page, and types the text values', async () => {
    const { athena, calls } = anAthena({
      states: ['QUEUED', 'RUNNING', 'SUCCEEDED'],
      pages: [
        [
          ['type', 'events', 'total', 'ok'],
          ['click', '3', '1.5', 'true'],
        ],
        [['view', '9007199254740993', undefined, 'false']],
      ],
    });
    const { result, bytesScanned } = await queryAthena(
      'SELECT 1',
      { athena, ...athenaNames('production-eu') },
      { pollMs: 1 },
    );
    expect(calls[0]).toEqual({
      name: 'StartQueryExecutionCommand',
      input: {
        QueryString: 'SELECT 1',
        WorkGroup: 'kinesis-pipeline-production-eu',
        QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'kinesis_pipeline_production_eu' },
      },
    });
    expect(calls.filter((call) => call.name === 'GetQueryExecutionCommand')).toHaveLength(3);
    expect(result.columns.map((column) => column.name)).toEqual(['type', 'events', 'total', 'ok']);
    // A bigint past 2^53 stays text rather than losing digits; NULL stays null.
    expect(result.rows).toEqual([
      ['click', 3, 1.5, true],
      ['view', '9007199254740993', null, false],
    ]);
    expect(bytesScanned).toBe(12_345);
  });

  it("reports a failed query with Athena's reason", async () => {
    const { athena } = anAthena({ states: ['FAILED'], reason: "line 1:8: Column 'nope' cannot be resolved" });
    const failed = queryAthena('SELECT nope FROM events', { athena, ...athenaNames('dev') }, { pollMs: 1 });
    await expect(failed).rejects.toThrow(SqlError);
    await expect(failed).rejects.toThrow(/q-1 FAILED: line 1:8: Column 'nope' cannot be resolved/);
  });

  it('stops the query on Athena when asked to (Ctrl-C)', async () => {
    const { athena, calls } = anAthena({ states: ['RUNNING'] });
    const stop = new AbortController();
    const running = queryAthena('SELECT 1', { athena, ...athenaNames('dev') }, { pollMs: 1, signal: stop.signal });
    setTimeout(() => stop.abort(), 5);
    await expect(running).rejects.toThrow(/q-1 stopped/);
    expect(calls.at(-1)).toEqual({ name: 'StopQueryExecutionCommand', input: { QueryExecutionId: 'q-1' } });
  });
});
