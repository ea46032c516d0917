import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import type { LocalEndpoints } from '../../local/endpointsFile.ts';
import { type LocalRuntime, type LocalRuntimeOptions, start } from '../../local/runtime.ts';

/**
 * Starts the whole local pipeline for a test file: data and endpoints in a fresh temporary folder,
 * every port free (tests run in parallel, and `npm start` may be running too), shards polled every
 * 100 ms, logs discarded unless `options.log` says otherwise.
 *
 * @example
 * const runtime = await startTestPipeline('archive');
 */
export async function startTestPipeline(
  name: string,
  options: Omit<LocalRuntimeOptions, 'dataDir' | 'endpointsFile' | 'ports'> = {},
): Promise<LocalRuntime> {
  const localDir = await mkdtemp(join(tmpdir(), `kp-e2e-${name}-`));
  return start({
    dataDir: join(localDir, 'data'),
    endpointsFile: join(localDir, 'endpoints.json'),
    ports: { http: 0, kinesis: 0, dynamodb: 0, s3: 0, sns: 0, lambda: 0 },
    pollIntervalMs: 100,
    log: () => {},
    ...options,
  });
}

/** AWS clients for a running local pipeline, as a user's tools would build them from endpoints.json. */
export function clientsFor(endpoints: LocalEndpoints) {
  const base = { region: endpoints.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  return {
    // The SDK's default for Kinesis (HTTP/2, cleartext to the local engine), as a user's tool gets it.
    kinesis: new KinesisClient({ ...base, endpoint: endpoints.kinesis }),
    dynamodb: new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb }),
    s3: new S3Client({ ...base, endpoint: endpoints.s3, forcePathStyle: true }),
  };
}

export interface PostEventsOptions {
  /** Extra request headers; they override the defaults (`content-type: application/json`). */
  headers?: Record<string, string>;
  /** The bearer token; the pipeline's dev token when omitted, no Authorization header when ''. */
  token?: string;
}

/**
 * POSTs `body` to the pipeline's `/events` over HTTP, as a producer does.
 *
 * @example
 * const { status, json } = await postEvents(endpoints, JSON.stringify([anEvent()]));
 */
export async function postEvents(endpoints: LocalEndpoints, body: string | Buffer, options: PostEventsOptions = {}) {
  const token = options.token ?? endpoints.token;
  const response = await fetch(`${endpoints.httpApi}/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...options.headers,
    },
    body,
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field by the tests
  return { status: response.status, headers: response.headers, json: (await response.json()) as any };
}

/**
 * GETs a query API path as a dashboard or script does, following `nextCursor` until the last page,
 * and returns every item. Fails on any status but 200.
 *
 * @example
 * const aggregates = await getAllPages(endpoints, '/aggregates?type=error');
 */
export async function getAllPages<T = Record<string, unknown>>(endpoints: LocalEndpoints, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const url = new URL(path, endpoints.httpApi);
    if (cursor) url.searchParams.set('cursor', cursor);
    const response = await fetch(url, { headers: { authorization: `Bearer ${endpoints.token}` } });
    const body = (await response.json()) as { items?: T[]; nextCursor?: string };
    if (response.status !== 200)
      throw new Error(`GET ${url.pathname}${url.search}: ${response.status} ${JSON.stringify(body)}`);
    items.push(...(body.items ?? []));
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

/** One line of an archived object, with the key it was found under. */
export interface ArchivedLine {
  key: string;
  line: {
    kinesis: { shardId: string; sequenceNumber: string };
    event?: { id: string } & Record<string, unknown>;
    reason?: string;
    data?: string;
  };
}

/**
 * Every line of every gzip NDJSON object in the bucket (under `prefix`, if given).
 *
 * @example
 * const lines = await archivedLines(s3, endpoints.buckets.ArchiveBucket ?? '');
 */
export async function archivedLines(s3: S3Client, bucket: string, prefix?: string): Promise<ArchivedLine[]> {
  const found: ArchivedLine[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const { Key: key = '' } of page.Contents ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const text = gunzipSync(await (object.Body?.transformToByteArray() ?? new Uint8Array())).toString('utf8');
      for (const line of text.trimEnd().split('\n'))
        found.push({ key, line: JSON.parse(line) as ArchivedLine['line'] });
    }
  }
  return found;
}

/**
 * The records of every failure record Lambda (here: the local event source mapping) wrote to an
 * S3 on-failure destination, decoded from the payload's base64 `data`.
 *
 * @example
 * const discarded = await failedRecords(s3, endpoints.buckets.AlertFailedBatchesBucket ?? '');
 */
export async function failedRecords(
  s3: S3Client,
  bucket: string,
): Promise<Array<{ sequenceNumber: string; data: Buffer }>> {
  const records: Array<{ sequenceNumber: string; data: Buffer }> = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    for (const { Key: key = '' } of page.Contents ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      // The payload is the invocation event, as a JSON string inside the failure record.
      const failure = JSON.parse((await object.Body?.transformToString()) ?? '{}') as { payload?: string };
      const event = JSON.parse(failure.payload ?? '{}') as {
        Records?: Array<{ kinesis: { sequenceNumber: string; data: string } }>;
      };
      for (const record of event.Records ?? []) {
        records.push({
          sequenceNumber: record.kinesis.sequenceNumber,
          data: Buffer.from(record.kinesis.data, 'base64'),
        });
      }
    }
  }
  return records;
}
