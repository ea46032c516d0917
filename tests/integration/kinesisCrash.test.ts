import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from 'vitest';
import { startKinesisEngine } from '../../local/kinesis/index.ts';
import { writerRecordData } from '../fixtures/writerRecords.ts';
import { seededRandom } from '../helpers/faultProxy.ts';
import { readAllRecords } from '../helpers/kinesisReader.ts';

/**
 * The engine's durability promise, tested the hard way: a child process runs the engine and writes
 * to it through the SDK under load (tests/fixtures/kinesisWriter.ts, two writers of 100-record
 * PutRecords), printing every acknowledged record; the test SIGKILLs it at a (seeded) random
 * moment, restarts it on the same data, and does so for several rounds. Then every acknowledged
 * record must be there exactly once, at the shard and sequence number it was acknowledged with,
 * and every record there must be whole (its data is a function of its name).
 */
const SEED = Number(process.env.KP_CRASH_SEED ?? 20_251_203);
const ROUNDS = 4;
const STREAM = 'crash';
const REGION = 'us-east-1';

const children = new Set<ChildProcess>();
let dataDir: string | undefined;

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Ack {
  shardId: string;
  sequenceNumber: string;
}

/** Runs the writer for one round and SIGKILLs it once it has printed `killAfter` acks. */
async function writeUntilKilled(dir: string, round: number, killAfter: number, acked: Map<string, Ack>) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tests/fixtures/kinesisWriter.ts', dir, STREAM, `${round}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let errors = '';
  child.stderr?.on('data', (chunk) => {
    errors += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const [word, shardId, sequenceNumber, name] = line.split(' ');
      if (word !== 'acked' || !shardId || !sequenceNumber || !name) return;
      acked.set(name, { shardId, sequenceNumber });
      seen += 1;
      if (seen === killAfter) resolve();
    });
    void exited.then(() => reject(new Error(`round ${round}: the writer exited after ${seen} acks:\n${errors}`)));
  });
  child.kill('SIGKILL');
  await exited;
  children.delete(child);
}

describe('the Kinesis engine SIGKILLed while it writes under load', () => {
  it(`keeps every acknowledged record exactly once, and nothing torn, over ${ROUNDS} kills (seed ${SEED})`, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kp-kinesis-crash-'));
    const random = seededRandom(SEED);
    const acked = new Map<string, Ack>();
    for (let round = 0; round < ROUNDS; round++) {
      // From mid-batch early on to several batches in: where the kill lands varies with the round.
      await writeUntilKilled(dataDir, round, 1 + Math.floor(random() * 1_500), acked);
    }

    const server = await startKinesisEngine({ dataDir, region: REGION, port: 0 });
    const client = new KinesisClient({
      region: REGION,
      endpoint: server.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const records = await readAllRecords(client, STREAM);
      const found = new Map<string, Ack[]>();
      const torn: string[] = [];
      for (const record of records) {
        const name = record.PartitionKey ?? '';
        if (!Buffer.from(record.Data ?? []).equals(writerRecordData(name))) torn.push(name);
        const seen = found.get(name) ?? [];
        seen.push({ shardId: record.shardId, sequenceNumber: record.SequenceNumber ?? '' });
        found.set(name, seen);
      }
      expect(torn).toEqual([]);
      expect([...found].filter(([, copies]) => copies.length > 1).map(([name]) => name)).toEqual([]);
      const missing = [...acked].filter(([name, ack]) => {
        const copy = found.get(name)?.[0];
        return copy?.shardId !== ack.shardId || copy.sequenceNumber !== ack.sequenceNumber;
      });
      expect(missing.map(([name]) => name)).toEqual([]);
      expect(acked.size).toBeGreaterThan(ROUNDS);
    } finally {
      client.destroy();
      await server.stop();
    }
  });
});
