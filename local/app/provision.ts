import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  RegisterStreamConsumerCommand,
  UpdateMaxRecordSizeCommand,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { pollUntil } from '../emulators/poll.ts';
import { ProvisionError } from './errors.ts';
import type { LocalApp, LocalStream, LocalStreamConsumer, LocalTable, LocalTopic } from './model.ts';
import { DEFAULT_MAX_RECORD_SIZE_KIB } from './readStreams.ts';

export interface ProvisionClients {
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  s3: S3Client;
  sns: SNSClient;
}

/** The Kinesis engine and dynalite take a moment to turn a new stream, consumer or table ACTIVE. */
const ACTIVE_TIMEOUT_MS = 30_000;

/**
 * Creates the app's streams (with their shard counts), stream consumers, tables, buckets and topics in the
 * local emulators and waits until each is ACTIVE. Idempotent: whatever already exists (a restart
 * over persisted data) is kept as it is, data included; an existing stream keeps its shard count
 * even if the template changed it. Independent resources are created in parallel.
 *
 * TTL is not set: dynalite has no UpdateTimeToLive. Nothing local relies on expiry happening (the
 * Powertools idempotency utility checks the expiry attribute itself), so expired items simply stay.
 *
 * @example
 * await provisionLocalApp(app, localClients(emulators));
 */
export async function provisionLocalApp(app: LocalApp, clients: ProvisionClients): Promise<void> {
  const tasks = [
    ...app.streams.map(async (stream) => {
      const streamArn = await retryingTransient(`stream ${stream.name}`, () => ensureStream(clients.kinesis, stream));
      const consumers = app.consumers.filter((consumer) => consumer.streamLogicalId === stream.logicalId);
      await settleAll(
        consumers.map((consumer) =>
          retryingTransient(`stream consumer ${consumer.name}`, () =>
            ensureConsumer(clients.kinesis, streamArn, consumer),
          ),
        ),
        `stream consumers of ${stream.name}`,
      );
    }),
    ...app.tables.map((table) => retryingTransient(`table ${table.name}`, () => ensureTable(clients.dynamodb, table))),
    ...app.buckets.map((bucket) =>
      retryingTransient(`bucket ${bucket.name}`, () => ensureBucket(clients.s3, bucket.name)),
    ),
    ...app.topics.map((topic) => retryingTransient(`topic ${topic.name}`, () => ensureTopic(clients.sns, topic))),
  ];
  await settleAll(tasks, 'the local streams, consumers, tables, buckets and topics');
}

/**
 * Runs an idempotent ensure-step again after a server-side error (a 5xx, or an answer the SDK could
 * not read): an emulator that has just restored a large snapshot can answer so for a moment after
 * its readiness probe passed. Other errors (a bad definition) fail at once.
 */
async function retryingTransient<T>(what: string, step: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
      const transient = status >= 500 || (error as Error).name === 'UnknownError';
      // Name the resource: "UnknownError (HTTP 500)" alone does not say which emulator answered it.
      if (error instanceof Error && !error.message.startsWith(`${what}: `)) error.message = `${what}: ${error.message}`;
      if (!transient || attempt >= attempts) throw error;
      await sleep(100 * 2 ** attempt);
    }
  }
}

/** Waits for every task (none is left running behind the caller's back), then reports all failures. */
async function settleAll(tasks: Promise<unknown>[], what: string): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length > 0) {
    const reasons = failures.map((failure) => {
      if (!(failure instanceof Error)) return String(failure);
      const status = (failure as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      return status ? `${failure.message} (HTTP ${status})` : failure.message;
    });
    throw new ProvisionError(failures, `Creating ${what} failed: ${reasons.join('; ')}`);
  }
}

/**
 * Creates the stream unless it exists, and resolves with its ARN as the emulator reports it once it
 * is ACTIVE (the engine, like AWS, creates asynchronously). An existing stream is used as it is.
 * The one place the local runtime, the tests and the benchmarks create streams.
 *
 * @example
 * const streamArn = await ensureStream(kinesis, { name: 'bench-events', shardCount: 4 });
 */
export async function ensureStream(
  kinesis: KinesisClient,
  stream: Pick<LocalStream, 'name' | 'shardCount'> & Partial<Pick<LocalStream, 'maxRecordSizeKiB'>>,
): Promise<string> {
  const describe = async () =>
    (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream.name }))).StreamDescriptionSummary;
  const existing = await describe().catch((error: unknown) => {
    if (isNamed(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  });
  const maxRecordSize = stream.maxRecordSizeKiB === undefined ? {} : { MaxRecordSizeInKiB: stream.maxRecordSizeKiB };
  if (existing === undefined) {
    await kinesis
      .send(new CreateStreamCommand({ StreamName: stream.name, ShardCount: stream.shardCount, ...maxRecordSize }))
      .catch((error: unknown) => {
        // Created meanwhile by another process sharing the emulator: that stream is the one to use.
        if (!isNamed(error, 'ResourceInUseException')) throw error;
      });
  }
  const arn = await pollUntil(
    async () => {
      const summary = await describe();
      return summary?.StreamStatus === 'ACTIVE' ? summary.StreamARN : undefined;
    },
    { what: `stream ${stream.name} ACTIVE`, timeoutMs: ACTIVE_TIMEOUT_MS },
  );
  // A stream kept from an earlier start, before its record size limit was changed in the template.
  const current = existing?.MaxRecordSizeInKiB ?? DEFAULT_MAX_RECORD_SIZE_KIB;
  if (stream.maxRecordSizeKiB !== undefined && existing !== undefined && current !== stream.maxRecordSizeKiB) {
    await kinesis.send(new UpdateMaxRecordSizeCommand({ StreamARN: arn, MaxRecordSizeInKiB: stream.maxRecordSizeKiB }));
    await pollUntil(
      async () => {
        const summary = await describe();
        return summary?.StreamStatus === 'ACTIVE' && summary.MaxRecordSizeInKiB === stream.maxRecordSizeKiB
          ? true
          : undefined;
      },
      { what: `stream ${stream.name} records up to ${stream.maxRecordSizeKiB} KiB`, timeoutMs: ACTIVE_TIMEOUT_MS },
    );
  }
  return arn;
}

async function ensureConsumer(kinesis: KinesisClient, streamArn: string, consumer: LocalStreamConsumer) {
  const describe = async () =>
    (await kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumer.name })))
      .ConsumerDescription;
  const existing = await describe().catch((error: unknown) => {
    if (isNamed(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  });
  if (existing === undefined) {
    await kinesis
      .send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumer.name }))
      .catch((error: unknown) => {
        if (!isNamed(error, 'ResourceInUseException')) throw error;
      });
  }
  await pollUntil(async () => ((await describe())?.ConsumerStatus === 'ACTIVE' ? true : undefined), {
    what: `stream consumer ${consumer.name} ACTIVE`,
    timeoutMs: ACTIVE_TIMEOUT_MS,
  });
}

async function ensureTable(dynamodb: DynamoDBClient, table: LocalTable): Promise<void> {
  const describe = async () => (await dynamodb.send(new DescribeTableCommand({ TableName: table.name }))).Table;
  const existing = await describe().catch((error: unknown) => {
    if (isNamed(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  });
  if (existing === undefined) {
    await dynamodb.send(new CreateTableCommand(table.definition)).catch((error: unknown) => {
      if (!isNamed(error, 'ResourceInUseException')) throw error;
    });
  } else {
    const [kept, declared] = [keysOf(existing), keysOf(table.definition)];
    if (kept !== declared) {
      throw new Error(
        `exists in the local data with keys ${kept}, but the template declares ${declared}; ` +
          'it was created by an older version of the template. Its data cannot be kept: start with ' +
          '`npm start -- --fresh` (removes all local data), or delete just this table',
      );
    }
  }
  await pollUntil(async () => ((await describe())?.TableStatus === 'ACTIVE' ? true : undefined), {
    what: `table ${table.name} ACTIVE`,
    timeoutMs: ACTIVE_TIMEOUT_MS,
  });
}

/**
 * A table's key schema and its indexes' as one line, for comparing what exists with what the
 * template declares (CloudFormation cannot change either in place either).
 *
 * @example
 * keysOf({ KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }); // '(pk HASH)'
 */
function keysOf(table: {
  KeySchema?: readonly KeySchemaElement[];
  GlobalSecondaryIndexes?: ReadonlyArray<{ IndexName?: string; KeySchema?: readonly KeySchemaElement[] }>;
}): string {
  const key = (schema: readonly KeySchemaElement[] | undefined) =>
    `(${(schema ?? []).map((element) => `${element.AttributeName} ${element.KeyType}`).join(', ')})`;
  const indexes = [...(table.GlobalSecondaryIndexes ?? [])]
    .sort((a, b) => String(a.IndexName).localeCompare(String(b.IndexName)))
    .map((index) => ` and index ${index.IndexName} ${key(index.KeySchema)}`);
  return key(table.KeySchema) + indexes.join('');
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(
    () => true,
    (error: unknown) => {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw error;
    },
  );
  if (exists) return;
  await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: unknown) => {
    if (!isNamed(error, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) throw error;
  });
}

/** SDK errors are matched by name: "already exists" and "not found" are expected answers here. */
function isNamed(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

/** CreateTopic is idempotent; the ARN it answers must be the template's, or publishes would miss it. */
async function ensureTopic(sns: SNSClient, topic: LocalTopic): Promise<void> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topic.name }));
  if (TopicArn !== topic.arn) {
    throw new Error(
      `topic ${topic.logicalId}: the local SNS endpoint created ${TopicArn}, the template expects ${topic.arn}`,
    );
  }
}
