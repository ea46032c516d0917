import { randomUUID } from 'node:crypto';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { LocalStream } from '../../local/app/model.ts';
import { type Emulators, pollUntil, startEmulators } from '../../local/emulators.ts';

/** The emulators one conformance test file runs against, and clients for them. */
export interface EsmHarness {
  emulators: Emulators;
  kinesis: KinesisClient;
  s3: S3Client;
  region: string;
  stop(): Promise<void>;
}

const credentials = () => ({ accessKeyId: 'local', secretAccessKey: 'local' });

export async function startEsmHarness(): Promise<EsmHarness> {
  const emulators = await startEmulators();
  const base = { region: emulators.region, credentials: credentials() };
  // The mapping gets a client with the SDK's normal retries, over HTTP/1.1 as local/localClients.ts.
  const kinesis = new KinesisClient({
    ...base,
    endpoint: emulators.endpoints.kinesis,
    requestHandler: new NodeHttpHandler(),
  });
  const s3 = new S3Client({
    ...base,
    endpoint: emulators.endpoints.s3,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  return {
    emulators,
    kinesis,
    s3,
    region: emulators.region,
    stop: async () => {
      // Open sessions would hold the engine's server close until its grace runs out.
      kinesis.destroy();
      s3.destroy();
      await emulators.stop();
    },
  };
}

/** A fresh stream with a unique name, ACTIVE, as the local runtime's model describes it. */
export async function createTestStream(
  harness: EsmHarness,
  options: { shardCount?: number; maxRecordSizeInKiB?: number } = {},
): Promise<LocalStream> {
  const name = `esm-${randomUUID().slice(0, 8)}`;
  const shardCount = options.shardCount ?? 1;
  await harness.kinesis.send(
    new CreateStreamCommand({
      StreamName: name,
      ShardCount: shardCount,
      ...(options.maxRecordSizeInKiB === undefined ? {} : { MaxRecordSizeInKiB: options.maxRecordSizeInKiB }),
    }),
  );
  const arn = await pollUntil(
    async () => {
      const { StreamDescriptionSummary: summary } = await harness.kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: name }),
      );
      return summary?.StreamStatus === 'ACTIVE' ? summary.StreamARN : undefined;
    },
    { what: `stream ${name} ACTIVE`, timeoutMs: 10_000 },
  );
  return {
    logicalId: 'TestStream',
    name,
    arn,
    shardCount,
    retentionHours: 24,
    maxRecordSizeKiB: options.maxRecordSizeInKiB ?? 1024,
  };
}

export interface PutInput {
  data: string | Uint8Array | object;
  partitionKey?: string;
}

/** Puts records in order (one PutRecords call each, so order is kept); returns their sequence numbers. */
export async function putRecords(harness: EsmHarness, stream: LocalStream, inputs: readonly PutInput[]) {
  const sequenceNumbers: string[] = [];
  for (const input of inputs) {
    const { Records = [] } = await harness.kinesis.send(
      new PutRecordsCommand({
        StreamName: stream.name,
        Records: [{ Data: encode(input.data), PartitionKey: input.partitionKey ?? 'key' }],
      }),
    );
    const sequenceNumber = Records[0]?.SequenceNumber;
    if (sequenceNumber === undefined) throw new Error(`put failed: ${JSON.stringify(Records)}`);
    sequenceNumbers.push(sequenceNumber);
  }
  return sequenceNumbers;
}

function encode(data: PutInput['data']): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  return Buffer.from(JSON.stringify(data), 'utf8');
}

/** Resolves with the condition's first truthy value; fails the test past the deadline. */
export function until<T>(condition: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000) {
  return pollUntil(
    async () => {
      const value = await condition();
      return value === false || value === undefined ? undefined : value;
    },
    { what: 'condition', timeoutMs, intervalMs: 20 },
  );
}

export async function createBucket(harness: EsmHarness): Promise<string> {
  const bucket = `failures-${randomUUID().slice(0, 8)}`;
  await harness.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

/** Every object of the bucket, key and parsed JSON body. */
export async function readObjects(harness: EsmHarness, bucket: string) {
  const { Contents = [] } = await harness.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return Promise.all(
    Contents.map(async ({ Key }) => {
      const object = await harness.s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      const body = JSON.parse((await object.Body?.transformToString()) ?? 'null') as Record<string, unknown>;
      return { key: Key as string, body };
    }),
  );
}
