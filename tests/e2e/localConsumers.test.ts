import { readFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../local/emulators.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { anEvent } from '../helpers/events.ts';
import { clientsFor, postEvents, startTestPipeline } from '../helpers/localPipeline.ts';

const RECORDER_RESOURCES = 'tests/fixtures/recorder.resources.json';

/**
 * A test-only definition added to the real template (tests/fixtures/recorder.resources.json): a
 * recording consumer reading the stream through its own enhanced fan-out consumer, with the mapping
 * settings the project requires and an S3 on-failure destination. It goes through the same template
 * reader, provisioning and mapping as the deployed functions.
 */
const extraResources = JSON.parse(readFileSync(RECORDER_RESOURCES, 'utf8')) as Record<string, unknown>;

let runtime: LocalRuntime;
const lines: string[] = [];

beforeAll(async () => {
  runtime = await startTestPipeline('consumers', { extraResources, log: (line) => lines.push(line) });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('events posted over HTTP reach a consumer through the local event source mapping', () => {
  it('delivers every valid event and parks the poison one, with its payload, in the S3 destination', async () => {
    const events = [anEvent({ id: 'c-1' }), anEvent({ id: 'c-2', data: { note: 'poison' } }), anEvent({ id: 'c-3' })];
    expect((await postEvents(runtime.endpoints, JSON.stringify(events))).status).toBe(200);

    const { dynamodb, s3 } = clientsFor(runtime.endpoints);
    const stored = await pollUntil(
      async () => {
        const items = (await dynamodb.send(new ScanCommand({ TableName: 'e2e-records' }))).Items ?? [];
        const ids = items.map((item) => JSON.parse(item.data?.S ?? '{}').id as string);
        return ids.includes('c-1') && ids.includes('c-3') ? ids : undefined;
      },
      { what: 'the consumer to store c-1 and c-3', timeoutMs: 30_000 },
    );
    expect(stored).not.toContain('c-2');

    const key = await pollUntil(
      async () => (await s3.send(new ListObjectsV2Command({ Bucket: 'e2e-failed-batches' }))).Contents?.[0]?.Key,
      { what: 'a failure record in the S3 destination', timeoutMs: 30_000 },
    );
    expect(key).toMatch(
      /^aws\/lambda\/[0-9a-f-]{36}\/shardId-\d+\/\d{4}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[0-9a-f-]{36}$/,
    );
    const failure = JSON.parse(
      (await (
        await s3.send(new GetObjectCommand({ Bucket: 'e2e-failed-batches', Key: key }))
      ).Body?.transformToString()) ?? '{}',
    );
    expect(failure.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(failure.responseContext.functionError).toBe('Unhandled');
    const payload = JSON.parse(failure.payload);
    const discarded = payload.Records.map(
      (r: { kinesis: { data: string } }) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()).id,
    );
    expect(discarded).toEqual(['c-2']);
    expect(lines.some((line) => line.includes('e2e-recorder') && line.includes('discarded'))).toBe(true);
  });
});
