import { randomUUID } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { LocalEventSourceMapping, LocalStream } from '../../local/app/model.ts';
import {
  type CheckpointStore,
  type InvocationLogLine,
  MemoryCheckpointStore,
  startEventSourceMapping,
} from '../../local/eventSourceMapping/index.ts';
import type { InvokeResult } from '../../local/lambda/types.ts';
import type { EsmHarness } from './esmHarness.ts';

/** The event a test function receives (tumbling-window fields when the mapping has windows). */
export interface TestEvent {
  Records: KinesisStreamRecord[];
  window?: { start: string; end: string };
  state?: Record<string, unknown>;
  shardId?: string;
  eventSourceARN?: string;
  isFinalInvokeForWindow?: boolean;
  isWindowTerminatedEarly?: boolean;
}

/** Thrown by a test handler to make the invoke a timeout, as Lambda reports one. */
export class SimulatedTimeout extends Error {}

/** A test function: its handler (the nth call, from 1) and its event source mapping. */
export interface TestFunction {
  handler: (event: TestEvent, call: number) => Promise<unknown>;
  mapping: LocalEventSourceMapping;
}

/**
 * A mapping with the AWS defaults (BatchSize 100, retries and record age forever, no bisect, ...),
 * reading TRIM_HORIZON (StartingPosition has no default on AWS).
 */
export function aMapping(overrides: Partial<LocalEventSourceMapping> = {}): LocalEventSourceMapping {
  return {
    logicalId: `Mapping${randomUUID().slice(0, 8)}`,
    functionLogicalId: 'TestLambdaFunction',
    streamLogicalId: 'TestStream',
    batchSize: 100,
    maximumBatchingWindowInSeconds: 0,
    startingPosition: 'TRIM_HORIZON',
    parallelizationFactor: 1,
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: -1,
    maximumRecordAgeInSeconds: -1,
    tumblingWindowInSeconds: 0,
    functionResponseTypes: [],
    filterPatterns: [],
    enabled: true,
    ...overrides,
  };
}

export interface RunningTestFunction {
  /** Every event, as received, in invoke order. */
  events: TestEvent[];
  results: InvokeResult[];
  logs: InvocationLogLine[];
  checkpoints: CheckpointStore;
  /** The shard's checkpointed sequence number. */
  checkpoint(shardId?: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export interface RunOptions {
  checkpoints?: CheckpointStore;
  now?: () => number;
  failureStandInDir?: string;
  kinesis?: KinesisClient;
  pollIntervalMs?: number;
}

export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:esm-test';
export const ROLE_ARN = 'arn:aws:iam::000000000000:role/esm-test';

/** Starts the function's mapping on the stream, with an invoke that records every event. */
export function runTestFunction(
  harness: EsmHarness,
  stream: LocalStream,
  fn: TestFunction,
  options: RunOptions = {},
): RunningTestFunction {
  const events: TestEvent[] = [];
  const results: InvokeResult[] = [];
  const logs: InvocationLogLine[] = [];
  const checkpoints = options.checkpoints ?? new MemoryCheckpointStore();
  const invoke = async (event: unknown): Promise<InvokeResult> => {
    const received = structuredClone(event) as TestEvent;
    events.push(received);
    const result = await invokeHandler(fn, received, events.length);
    results.push(result);
    return result;
  };
  const handle = startEventSourceMapping({
    mapping: fn.mapping,
    stream,
    functionName: 'esm-test',
    functionArn: FUNCTION_ARN,
    roleArn: ROLE_ARN,
    region: harness.region,
    invoke,
    kinesis: options.kinesis ?? harness.kinesis,
    s3: harness.s3,
    checkpoints,
    pollIntervalMs: options.pollIntervalMs ?? 50,
    log: (line) => logs.push(line),
    ...(options.now ? { now: options.now } : {}),
    ...(options.failureStandInDir ? { failureStandInDir: options.failureStandInDir } : {}),
  });
  return {
    events,
    results,
    logs,
    checkpoints,
    checkpoint: async (shardId = 'shardId-000000000000') =>
      (await checkpoints.get(fn.mapping.logicalId, shardId))?.sequenceNumber,
    stop: () => handle.stop(),
  };
}

async function invokeHandler(fn: TestFunction, event: TestEvent, call: number): Promise<InvokeResult> {
  const requestId = randomUUID();
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  try {
    const response = await fn.handler(structuredClone(event), call);
    return { ok: true, response, durationMs: durationMs(), requestId };
  } catch (error) {
    const timedOut = error instanceof SimulatedTimeout;
    const errorType = timedOut ? 'Sandbox.Timedout' : (error as Error).name;
    return {
      ok: false,
      error: { errorType, errorMessage: (error as Error).message, timedOut },
      durationMs: durationMs(),
      requestId,
    };
  }
}

/** The decoded data of a record. */
export function dataOf(record: KinesisStreamRecord): string {
  return Buffer.from(record.kinesis.data, 'base64').toString('utf8');
}

/** Data of every record of every event, in delivery order. */
export function deliveredData(events: readonly TestEvent[]): string[] {
  return events.flatMap((event) => event.Records.map(dataOf));
}

export const sizes = (events: readonly TestEvent[]) => events.map((event) => event.Records.length);
export const sequencesOf = (event: TestEvent | undefined) =>
  (event?.Records ?? []).map((r) => r.kinesis.sequenceNumber);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
