import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invocationOf } from '../../bench/benchPipeline.ts';
import {
  addEmfMetrics,
  CONTENTION_SHARDS,
  CONTENTION_START_ARGS,
  CONTENTION_START_ENV,
  CONTENTION_TYPES,
  contentionEvent,
  isWriteGivenUp,
  putAcrossShards,
  type SpreadLoad,
  scanAggregates,
} from '../../bench/contention.ts';
import { pollUntil } from '../../local/emulators.ts';
import { type AggregateView, foldWindows } from '../helpers/aggregateTotals.ts';
import { clientsFor, failedRecords, getAllPages } from '../helpers/localPipeline.ts';
import { killSpawnedRuntimes, type RuntimeProcess, spawnRuntime } from '../helpers/runtimeProcess.ts';

/**
 * The aggregates under write contention, as the design claims it has none: `npm start` with a
 * 32-shard stream (`--param streamMode=PROVISIONED --param shardCount=32`), a load written straight
 * into the stream and routed to every shard in turn, every shard carrying every type, so each
 * type's current minute is written by all 32 shards' batches at once. Each shard writes its own
 * part, so: the aggregates are exact (table and GET /aggregates), the aggregate function counts no
 * write conflict (its `AggregateWriteConflicts` metric, printed under `--verbose`), and no record
 * fails (every invoke ok, nothing delivered twice, nothing in the failure bucket).
 * `npm run bench -- --only contention` runs the same load against the design before.
 *
 * Nothing here is timed: each check waits for its condition, within generous limits.
 */

const EVENTS = 6_400;
const MINUTE = 60_000;
const WAIT = { timeoutMs: 150_000, intervalMs: 500 };

let runtime: RuntimeProcess;
let clients: ReturnType<typeof clientsFor>;
let load: SpreadLoad;
let windowRange: string;

/** The aggregate function's metrics and the aggregate mapping's invokes, from everything the runtime printed. */
function aggregateOutput() {
  const metrics = new Map<string, number>();
  const invokes: Array<{ batchSize: number; outcome: string }> = [];
  let writesGivenUp = 0;
  for (const line of runtime.output().split('\n')) {
    if (addEmfMetrics(metrics, line)) continue;
    if (isWriteGivenUp(line)) writesGivenUp += 1;
    const invoke = invocationOf(line);
    if (invoke?.consumer === 'aggregate') invokes.push(invoke);
  }
  return { metrics, invokes, writesGivenUp, delivered: invokes.reduce((sum, i) => sum + i.batchSize, 0) };
}

beforeAll(async () => {
  const localDir = await mkdtemp(join(tmpdir(), 'kp-e2e-contention-'));
  const ports = ['HTTP', 'KINESIS', 'DYNAMODB', 'S3', 'SNS', 'LAMBDA'].map((name) => [`KP_${name}_PORT`, '0']);
  runtime = await spawnRuntime({
    localDir,
    env: { ...Object.fromEntries(ports), ...CONTENTION_START_ENV },
    args: [...CONTENTION_START_ARGS],
    startTimeoutMs: 240_000,
  });
  const now = Date.now();
  windowRange = `from=${new Date(now - 10 * MINUTE).toISOString()}&to=${new Date(now + 10 * MINUTE).toISOString()}`;
  clients = clientsFor(runtime.endpoints);
  load = await putAcrossShards(clients.kinesis, runtime.endpoints.streamName, {
    events: EVENTS,
    event: (i, shards) => contentionEvent('e2e', i, shards),
  });
}, 300_000);

afterAll(async () => {
  for (const client of Object.values(clients ?? {})) client.destroy();
  try {
    await runtime?.stop();
  } finally {
    killSpawnedRuntimes();
  }
}, 120_000);

describe(`aggregates on a ${CONTENTION_SHARDS}-shard stream, every shard writing every type`, () => {
  it('spreads the load evenly over every shard', () => {
    expect(load.events).toBe(EVENTS);
    expect(load.recordsByShard.size).toBe(CONTENTION_SHARDS);
    const perShard = [...load.recordsByShard.values()];
    expect(Math.min(...perShard)).toBe(EVENTS / CONTENTION_SHARDS);
    expect(Math.max(...perShard)).toBe(EVENTS / CONTENTION_SHARDS);
  });

  it('counts every event exactly once, in the table and through GET /aggregates', async () => {
    const documents = DynamoDBDocumentClient.from(clients.dynamodb);
    const table = runtime.endpoints.tables.AggregatesTable ?? '';
    const stored = await pollUntil(
      async () => {
        const scanned = await scanAggregates(documents, table, CONTENTION_TYPES);
        const counted = [...scanned.byType.values()].reduce((sum, count) => sum + count, 0);
        return counted >= EVENTS ? scanned : undefined;
      },
      { what: `${EVENTS} events counted in the type-level parts`, ...WAIT },
    );
    expect(Object.fromEntries(stored.byType)).toEqual(Object.fromEntries(load.byType));
    expect(Object.fromEntries(stored.byTypeAndSource)).toEqual(Object.fromEntries(load.byTypeAndSource));
    // What made the old layout contend: every shard wrote every type (here, each its own part).
    for (const type of CONTENTION_TYPES) expect(stored.typePartShards.get(type)?.size, type).toBe(CONTENTION_SHARDS);

    const byType = foldWindows(
      await getAllPages<AggregateView>(runtime.endpoints, `/aggregates?${windowRange}&limit=1000`),
      (item) => item.type,
    );
    for (const type of CONTENTION_TYPES) expect(byType.get(type)?.count, type).toBe(load.byType.get(type));
    for (const [key, written] of load.byTypeAndSource) {
      const [type, source] = key.split('|') as [string, string];
      const items = await getAllPages<AggregateView>(
        runtime.endpoints,
        `/aggregates?type=${type}&source=${source}&${windowRange}`,
      );
      expect(foldWindows(items, () => key).get(key)?.count, key).toBe(written);
    }
  });

  it('has no write conflict and no failed record', async () => {
    // The invoke lines and metrics come once each invoke has returned: wait until they cover every record.
    const seen = await pollUntil(
      async () => {
        const output = aggregateOutput();
        const aggregated = output.metrics.get('AggregatedEvents') ?? 0;
        return aggregated >= EVENTS && output.delivered >= EVENTS ? output : undefined;
      },
      { what: 'the aggregate metrics and invokes of every record', ...WAIT },
    );
    expect(seen.metrics.get('AggregateWriteConflicts')).toBe(0);
    expect(seen.metrics.get('AggregatedEvents')).toBe(EVENTS);
    expect(seen.metrics.get('AggregateInvalidRecords')).toBe(0);
    expect(seen.writesGivenUp).toBe(0);
    expect(seen.invokes.filter((invoke) => invoke.outcome !== 'ok')).toEqual([]);
    // Each record delivered once: no partial batch response, no retry.
    expect(seen.delivered).toBe(EVENTS);
    const bucket = runtime.endpoints.buckets.AggregateFailedBatchesBucket ?? '';
    expect(await failedRecords(clients.s3, bucket)).toEqual([]);
  });
});
