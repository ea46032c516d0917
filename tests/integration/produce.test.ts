import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { pipelineRecordSchema } from '../../shared/events/eventSchema.ts';
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

  it('refuses a bad command line with a usage message', async () => {
    const run = await runCli('produce', ['--count', '0', '--stream', STREAM], emulators.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--count must be a positive integer');
  });
});
