import { gunzipSync } from 'node:zlib';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { aPipelineRecordBytes } from '../helpers/kinesisEvents.ts';
import { putAndReadBatch } from '../helpers/kinesisReader.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';
import { createStream } from '../helpers/resources.ts';

const STREAM = 'archive-it';
const BUCKET = 'archive-it';
let emulators: Emulators;
let kinesis: KinesisClient;
let s3: S3Client;
let handler: (event: KinesisStreamEvent, context: unknown) => Promise<{ batchItemFailures: unknown[] }>;

beforeAll(async () => {
  emulators = await startEmulators();
  Object.assign(process.env, emulators.env, { ARCHIVE_BUCKET: BUCKET });
  // Clients read their endpoints on first use, so import them only now.
  const clients = await import('../../shared/aws/clients.ts');
  kinesis = clients.kinesisClient();
  s3 = clients.s3Client();
  await createStream(kinesis, STREAM, 1);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  handler = (await import('../../functions/archive/handler.ts')).handler as unknown as typeof handler;
});

afterAll(async () => {
  await emulators?.stop();
});

/** Puts records on the stream and returns them as the batch Lambda would deliver. */
const batchOf = (data: Uint8Array[]) => putAndReadBatch(kinesis, STREAM, data, 'archive');

async function listKeys(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key ?? '').sort();
}

async function readObject(key: string): Promise<{ bytes: Buffer; lines: Record<string, unknown>[] }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const bytes = Buffer.from(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
  const text = gunzipSync(bytes).toString('utf8');
  return {
    bytes,
    lines: text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line)),
  };
}

describe('archive handler against s3rver', () => {
  it('writes a batch from the local Kinesis engine as one events/ and one errors/ object, keyed by shard, sequence and hour', async () => {
    const valid = ['it-1', 'it-2', 'it-3'].map((id) => aPipelineRecordBytes({ id }));
    const invalid = Buffer.from('{"type":"broken"');
    const event = await batchOf([valid[0], invalid, valid[1], valid[2]] as Uint8Array[]);
    const [first, , , last] = event.Records;
    const arrival = new Date((first?.kinesis.approximateArrivalTimestamp ?? 0) * 1000);
    const hourPath = `year=${arrival.getUTCFullYear()}/month=${String(arrival.getUTCMonth() + 1).padStart(2, '0')}/day=${String(arrival.getUTCDate()).padStart(2, '0')}/hour=${String(arrival.getUTCHours()).padStart(2, '0')}`;
    const name = `shardId-000000000000-${first?.kinesis.sequenceNumber}-${last?.kinesis.sequenceNumber}.ndjson.gz`;

    const response = await handler(event, lambdaContext('archive'));

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await listKeys('events/')).toEqual([`events/${hourPath}/${name}`]);
    expect(await listKeys('errors/')).toEqual([`errors/${hourPath}/${name}`]);
    const events = await readObject(`events/${hourPath}/${name}`);
    expect(events.lines.map((line) => line.event)).toEqual(
      valid.map((bytes) => JSON.parse(Buffer.from(bytes).toString())),
    );
    expect(events.lines.map((line) => (line.kinesis as { sequenceNumber: string }).sequenceNumber)).toEqual(
      [0, 2, 3].map((i) => event.Records[i]?.kinesis.sequenceNumber),
    );
    const errors = await readObject(`errors/${hourPath}/${name}`);
    expect(errors.lines).toEqual([
      {
        kinesis: expect.objectContaining({
          shardId: 'shardId-000000000000',
          sequenceNumber: event.Records[1]?.kinesis.sequenceNumber,
        }),
        reason: expect.stringMatching(/^not UTF-8 JSON/),
        data: invalid.toString('base64'),
      },
    ]);
  });

  it('leaves exactly one object with the same bytes when the same batch is delivered again', async () => {
    const event = await batchOf(['re-1', 're-2'].map((id) => aPipelineRecordBytes({ id })));
    const lastSequence = event.Records.at(-1)?.kinesis.sequenceNumber ?? '';
    const ofThisBatch = async () =>
      (await listKeys('events/')).filter((key) => key.endsWith(`-${lastSequence}.ndjson.gz`));

    await handler(event, lambdaContext('archive'));
    const [key] = await ofThisBatch();
    const first = await readObject(key ?? '');
    await handler(structuredClone(event), lambdaContext('archive'));

    expect(await ofThisBatch()).toEqual([key]);
    const second = await readObject(key ?? '');
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(second.lines.map((line) => (line.event as { id: string }).id)).toEqual(['re-1', 're-2']);
  });
});
