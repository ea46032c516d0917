import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../local/emulators.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { anEvent } from '../helpers/events.ts';
import { archivedLines, clientsFor, postEvents, startTestPipeline } from '../helpers/localPipeline.ts';

const KEY = /^(events|errors)\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/(shardId-\d+)-(\d+)-(\d+)\.ndjson\.gz$/;

let runtime: LocalRuntime;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  runtime = await startTestPipeline('archive');
  s3 = clientsFor(runtime.endpoints).s3;
  bucket = runtime.endpoints.buckets.ArchiveBucket ?? '';
});

afterAll(async () => {
  await runtime?.stop();
});

describe('the archive consumer in the local pipeline', () => {
  it('archives every posted event exactly once and a malformed stream record under errors/', async () => {
    expect(bucket).not.toBe('');
    const events = Array.from({ length: 60 }, (_, i) => anEvent({ id: `arch-${i}`, subject: `user-${i % 11}` }));
    for (const chunk of [events.slice(0, 30), events.slice(30)]) {
      expect((await postEvents(runtime.endpoints, JSON.stringify(chunk))).status).toBe(200);
    }
    const { kinesis } = clientsFor(runtime.endpoints);
    const malformed = Buffer.from('{"type":"half a record"');
    await kinesis.send(
      new PutRecordCommand({ StreamName: runtime.endpoints.streamName, Data: malformed, PartitionKey: 'raw' }),
    );

    const ids = events.map((event) => event.id as string);
    const lines = await pollUntil(
      async () => {
        const all = await archivedLines(s3, bucket);
        const archivedIds = new Set(all.flatMap(({ line }) => (line.event ? [line.event.id] : [])));
        const hasError = all.some(({ line }) => line.data === malformed.toString('base64'));
        return ids.every((id) => archivedIds.has(id)) && hasError ? all : undefined;
      },
      { what: 'all 60 events under events/ and the malformed record under errors/', timeoutMs: 60_000 },
    );

    const archivedIds = lines.flatMap(({ line }) => (line.event ? [line.event.id] : []));
    expect(archivedIds.sort()).toEqual([...ids].sort());
    const [error] = lines.filter(({ line }) => line.reason !== undefined);
    expect(error?.key).toMatch(/^errors\//);
    expect(error?.line.reason).toMatch(/^not UTF-8 JSON/);
    // Every line sits in the object of its shard, within the batch's sequence range.
    for (const { key, line } of lines) {
      const [, prefix, shardId, first, last] = KEY.exec(key) ?? [];
      expect(prefix, key).toBe(line.event ? 'events' : 'errors');
      expect(line.kinesis.shardId, key).toBe(shardId);
      const sequence = BigInt(line.kinesis.sequenceNumber);
      expect(sequence >= BigInt(first ?? '0') && sequence <= BigInt(last ?? '0'), key).toBe(true);
    }
  });
});
