import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStreamStore } from '../../local/kinesis/storage/streamStore.ts';
import type { StoredRecord } from '../../local/kinesis/storage/types.ts';
import { CRASH_SHARDS, CRASH_TUNING, recordBytes } from '../fixtures/kinesisStorageWriter.ts';

const WRITER = join(import.meta.dirname, '../fixtures/kinesisStorageWriter.ts');
const ROUNDS = 5;
const DEADLINE_MS = 45_000;

interface Ack {
  shardId: string;
  position: number;
  id: string;
}

/** A small seeded generator (mulberry32), so a failing round can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the writer until it has acknowledged `killAfter` records, then SIGKILLs it; returns every ack it printed. */
async function runAndKill(dir: string, prefix: string, durability: string, killAfter: number): Promise<Ack[]> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, prefix, durability], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acks: Ack[] = [];
  let buffered = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const enough = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer acknowledged only ${acks.length} records`)), DEADLINE_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [kind, shardId, position, id] = line.split(' ');
        if (kind === 'ack' && shardId && id) acks.push({ shardId, position: Number(position), id });
      }
      if (acks.length >= killAfter) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      if (acks.length < killAfter) reject(new Error(`writer exited after ${acks.length} acks`));
    });
  });
  try {
    await enough;
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  return acks;
}

describe('the record store after SIGKILL', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kinesis-storage-crash-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged record exactly once and shows nothing half written', { timeout: 240_000 }, async () => {
    const random = seeded(20_240_611);
    const acked = new Map<string, Ack>();
    for (let round = 0; round < ROUNDS; round += 1) {
      const killAfter = 200 + Math.floor(random() * 3_000);
      const acks = await runAndKill(dir, `r${round}`, round % 2 ? 'fsync' : 'os', killAfter);
      for (const ack of acks) acked.set(ack.id, ack);

      const notes: string[] = [];
      const store = await openStreamStore({ dir, durability: 'os', log: (line) => notes.push(line), ...CRASH_TUNING });
      const seen = new Map<string, StoredRecord>();
      for (const shardId of CRASH_SHARDS) {
        const { first, next } = store.bounds(shardId);
        expect(first).toBe(0);
        for (let position = 0; position < next; ) {
          const records = await store.read(shardId, position, { maxRecords: 1_000, maxBytes: 2 ** 20 });
          for (const record of records) {
            expect(record.position).toBe(position++);
            expect(seen.has(record.partitionKey), `${record.partitionKey} twice`).toBe(false);
            expect(Buffer.from(record.data).equals(recordBytes(record.partitionKey)), record.partitionKey).toBe(true);
            seen.set(record.partitionKey, record);
          }
        }
      }
      for (const ack of acked.values()) {
        const record = seen.get(ack.id);
        expect(record, `acknowledged ${ack.id} missing`).toBeDefined();
        expect([record?.shardId, record?.position]).toEqual([ack.shardId, ack.position]);
      }
      // The store takes appends again, numbered after what survived.
      const { next } = store.bounds(CRASH_SHARDS[0] as string);
      const id = `parent-${round}`;
      const entry = {
        shardId: CRASH_SHARDS[0] as string,
        partitionKey: id,
        data: recordBytes(id),
        arrivalMs: Date.now(),
      };
      expect(await store.append([entry])).toEqual([next]);
      acked.set(id, { shardId: entry.shardId, position: next, id });
      await store.close();
    }
    expect(acked.size).toBeGreaterThan(ROUNDS * 200);
  });
});
