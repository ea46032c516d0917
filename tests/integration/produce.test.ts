import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { pipelineRecordSchema } from '../../shared/events/eventSchema.ts';
import { deaggregate } from '../../shared/kinesis/kplAggregation.ts';
import { readAllRecords } from '../helpers/kinesisReader.ts';
import { createStream } from '../helpers/resources.ts';
import { runCli } from '../helpers/runCli.ts';

const STREAM = 'produce-it';
let emulators: Emulators;
let kinesis: KinesisClient;

beforeAll(async () => {
  emulators = await startEmulators();
  Object.assign(process.env, emulators.env);
  kinesis = (await import('../../shared/aws/clients.ts')).kinesisClient();
  await createStream(kinesis, STREAM, 2);
});

afterAll(async () => {
  await emulators?.stop();
});

describe('npm run produce', () => {
  it('writes the requested number of valid pipeline records straight to the stream', async () => {
    const run = await runCli(
      'produce',
      ['--count', '120', '--batch', '50', '--stream', STREAM, '--type', 'click'],
      emulators.env,
    );
    expect(run.stderr).toContain('120/120');
    expect(run.stdout).toMatch(/sent 120 events .*: 120 accepted, 0 rejected, 0 failed/);
    expect(run.code).toBe(0);
    const records = await readAllRecords(kinesis, STREAM);
    expect(records).toHaveLength(120);
    for (const record of records) {
      const parsed = pipelineRecordSchema.parse(JSON.parse(Buffer.from(record.Data ?? []).toString('utf8')));
      expect(parsed.type).toBe('click');
      expect(record.PartitionKey).toBe(parsed.subject);
    }
  });

  it('packs the events of one partition key into KPL records with --aggregate', async () => {
    const stream = `${STREAM}-aggregated`;
    await createStream(kinesis, stream, 1);
    const run = await runCli(
      'produce',
      [
        '--count',
        '300',
        '--stream',
        stream,
        '--type',
        'click',
        '--users',
        '3',
        '--aggregate',
        '--aggregate-bytes',
        '8192',
      ],
      emulators.env,
    );
    expect(run.stdout).toMatch(/sent 300 events .*: 300 accepted, 0 rejected, 0 failed/);
    expect(run.code).toBe(0);
    const records = await readAllRecords(kinesis, stream);
    // 300 events of ~300 bytes on 3 keys: about 12 records of up to 8 KiB.
    expect(records.length).toBeLessThanOrEqual(20);
    const events = records.flatMap((record) => {
      const unpacked = deaggregate(record.Data ?? new Uint8Array());
      if (unpacked.kind === 'corrupt') throw new Error(unpacked.reason);
      expect(record.Data?.byteLength ?? 0).toBeLessThanOrEqual(8192);
      const users =
        unpacked.kind === 'aggregated'
          ? unpacked.records
          : [{ partitionKey: record.PartitionKey ?? '', data: record.Data ?? new Uint8Array() }];
      return users.map((user) => {
        const event = pipelineRecordSchema.parse(JSON.parse(Buffer.from(user.data).toString('utf8')));
        expect(user.partitionKey).toBe(event.subject ?? event.source);
        return event;
      });
    });
    expect(new Set(events.map((event) => event.id)).size).toBe(300);
  });

  it('refuses --aggregate with --url: POST /events aggregates by the stage parameter', async () => {
    const run = await runCli('produce', ['--aggregate', '--url', 'http://127.0.0.1:9'], emulators.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ingestAggregateRecordBytes');
  });

  it('refuses a bad command line with a usage message', async () => {
    const run = await runCli('produce', ['--count', '0', '--stream', STREAM], emulators.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--count must be a positive integer');
  });
});
