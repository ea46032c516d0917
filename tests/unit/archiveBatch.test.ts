import { gunzipSync } from 'node:zlib';
import { DeleteObjectCommand, ListObjectsV2Command, type PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { archiveBatch } from '../../functions/archive/archiveBatch.ts';
import type { ObjectWriter } from '../../functions/archive/writeArchive.ts';
import { aKinesisBatch, aPipelineRecordBytes, sequence } from '../helpers/kinesisEvents.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';

/** An in-memory bucket; PUTs of keys matching `failKeys` are refused as S3 would on an outage. */
function fakeS3(failKeys?: RegExp) {
  const objects = new Map<string, Buffer>();
  const puts: string[] = [];
  const send = async (command: PutObjectCommand | ListObjectsV2Command | DeleteObjectCommand) => {
    if (command instanceof ListObjectsV2Command) {
      const prefix = command.input.Prefix ?? '';
      return { Contents: [...objects.keys()].filter((key) => key.startsWith(prefix)).map((Key) => ({ Key })) };
    }
    if (command instanceof DeleteObjectCommand) {
      objects.delete(command.input.Key ?? '');
      return {};
    }
    const { Key = '', Body } = command.input;
    puts.push(Key);
    if (failKeys?.test(Key))
      throw Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' });
    objects.set(Key, Buffer.from(Body as Uint8Array));
    return {};
  };
  const s3 = { send } as unknown as ObjectWriter;
  const text = (key: string) => gunzipSync(objects.get(key) ?? Buffer.alloc(0)).toString('utf8');
  return { s3, objects, puts, text };
}

const deps = (s3: ObjectWriter) => ({
  s3,
  bucket: 'archive',
});
const context = lambdaContext('archive');
const valid = (id: string) => ({ data: aPipelineRecordBytes({ id }) });

describe('archiveBatch', () => {
  it('writes the batch as gzip NDJSON and reports no failures', async () => {
    const bucket = fakeS3();
    const event = aKinesisBatch([valid('a'), valid('b'), { data: 'oops' }]);
    const response = await archiveBatch(event, context, deps(bucket.s3));
    expect(response).toEqual({ batchItemFailures: [] });
    const keys = [...bucket.objects.keys()].sort();
    expect(keys.map((key) => key.split('/')[0])).toEqual(['errors', 'events']);
    const eventLines = bucket.text(keys[1] ?? '').split('\n');
    expect(eventLines.at(-1)).toBe('');
    expect(eventLines.slice(0, -1).map((line) => JSON.parse(line).event.id)).toEqual(['a', 'b']);
    expect(JSON.parse(bucket.text(keys[0] ?? '')).kinesis.sequenceNumber).toBe(sequence(3));
  });

  it('overwrites the same objects with the same bytes when the batch is delivered again', async () => {
    const bucket = fakeS3();
    const event = aKinesisBatch([valid('a'), { data: 'oops' }, valid('b')]);
    await archiveBatch(event, context, deps(bucket.s3));
    const first = new Map(bucket.objects);
    await archiveBatch(structuredClone(event), context, deps(bucket.s3));
    expect(bucket.puts).toHaveLength(4);
    expect(bucket.objects).toEqual(first);
  });

  it('replaces an earlier cut of a batch when it is delivered again bisected, so no record is archived twice', async () => {
    const bucket = fakeS3();
    const records = [valid('a'), { data: 'bad-1' }, valid('b'), valid('c'), { data: 'bad-2' }, valid('d')];
    const whole = aKinesisBatch(records);
    await archiveBatch(whole, context, deps(bucket.s3));
    expect(bucket.objects.size).toBe(2);
    // The invoke timed out after writing; Lambda bisects: the two halves are new cuts.
    await archiveBatch({ Records: whole.Records.slice(0, 3) }, context, deps(bucket.s3));
    await archiveBatch({ Records: whole.Records.slice(3) }, context, deps(bucket.s3));
    const lines = [...bucket.objects.keys()].flatMap((key) => bucket.text(key).trimEnd().split('\n'));
    const sequences = lines.map(
      (line) => (JSON.parse(line) as { kinesis: { sequenceNumber: string } }).kinesis.sequenceNumber,
    );
    expect(sequences.sort()).toEqual([1, 2, 3, 4, 5, 6].map((n) => sequence(n)).sort());
    expect(bucket.objects.size).toBe(4);
  });

  it('reports every record, from the first, when one object could not be written, so the retry is the same batch', async () => {
    const bucket = fakeS3(/^errors\//);
    const event = aKinesisBatch([valid('a'), { data: 'bad-1' }, valid('b'), { data: 'bad-2' }]);
    const response = await archiveBatch(event, context, deps(bucket.s3));
    expect(response.batchItemFailures).toEqual([1, 2, 3, 4].map((n) => ({ itemIdentifier: sequence(n) })));
    const written = new Map(bucket.objects);
    expect([...written.keys()].map((key) => key.split('/')[0])).toEqual(['events']);

    // Lambda retries from the first record: the same batch, so the same keys and bytes, no second copy.
    const healthy = fakeS3();
    for (const [key, body] of written) healthy.objects.set(key, body);
    expect((await archiveBatch(event, context, deps(healthy.s3))).batchItemFailures).toEqual([]);
    expect([...healthy.objects.keys()].map((key) => key.split('/')[0]).sort()).toEqual(['errors', 'events']);
    expect(healthy.objects.get([...written.keys()][0] ?? '')).toEqual([...written.values()][0]);
  });

  it('reports the whole batch rather than failing the invoke when nothing could be written', async () => {
    const bucket = fakeS3(/./);
    const event = aKinesisBatch([valid('a'), valid('b')]);
    const response = await archiveBatch(event, context, deps(bucket.s3));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: sequence(1) }, { itemIdentifier: sequence(2) }]);
  });
});
