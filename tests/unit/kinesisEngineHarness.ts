import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { _Record } from '@aws-sdk/client-kinesis';
import { type KinesisEngineOptions, KinesisServiceError } from '../../local/kinesis/engine/api.ts';
import { KinesisEngine } from '../../local/kinesis/engine/kinesisEngine.ts';

/** An engine on a temp dir with a hand-driven clock, for the engine's unit tests. */
export interface TestEngine {
  engine: KinesisEngine;
  dataDir: string;
  /** Moves the engine clock forward. */
  advance(ms: number): void;
  now(): number;
  reopen(overrides?: Partial<KinesisEngineOptions>): Promise<KinesisEngine>;
  dispose(): Promise<void>;
}

export const T0 = 1_700_000_000_000;
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array | undefined): string => new TextDecoder().decode(data);

export async function openTestEngine(overrides: Partial<KinesisEngineOptions> = {}): Promise<TestEngine> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kinesis-engine-'));
  let clock = T0;
  const options = (extra: Partial<KinesisEngineOptions>): KinesisEngineOptions => ({
    dataDir,
    region: 'us-east-1',
    stateChangeMs: 0,
    now: () => clock,
    ...overrides,
    ...extra,
  });
  const harness: TestEngine = {
    engine: await KinesisEngine.open(options({})),
    dataDir,
    advance: (ms) => {
      clock += ms;
    },
    now: () => clock,
    async reopen(extra = {}) {
      await harness.engine.close();
      harness.engine = await KinesisEngine.open(options(extra));
      return harness.engine;
    },
    async dispose() {
      await harness.engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Reads a shard from TRIM_HORIZON until a read comes back empty or the closed shard ends. */
export async function readAll(engine: KinesisEngine, StreamName: string, ShardId: string) {
  const start = await engine.getShardIterator({ StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' });
  let iterator = start.ShardIterator;
  const records: _Record[] = [];
  for (;;) {
    const out = await engine.getRecords({ ShardIterator: iterator });
    records.push(...(out.Records ?? []));
    if (!out.NextShardIterator) return { records, childShards: out.ChildShards, closed: true };
    if ((out.Records ?? []).length === 0) return { records, childShards: undefined, closed: false };
    iterator = out.NextShardIterator;
  }
}

/** How a call ended: 'resolved', or the AWS error code it was refused with. */
export const code = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof KinesisServiceError ? error.code : String(error)),
  );
