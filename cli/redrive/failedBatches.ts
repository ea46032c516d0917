import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import { RedriveError } from './errors.ts';

/** Where Lambda writes failure records in an S3 on-failure destination: `aws/lambda/<mapping UUID>/<shardId>/YYYY/MM/DD/…`. */
export const FAILURE_PREFIX = 'aws/lambda/';
/** Where a redriven failure record moves, under its original key. */
export const REDRIVEN_PREFIX = 'redriven/';

/**
 * The record Lambda sends to an on-failure destination for a Kinesis batch. An S3 destination adds
 * `payload`, the invocation event as a JSON string; SQS and SNS destinations carry metadata only.
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
 */
export const failureRecordSchema = z.object({
  requestContext: z.object({
    requestId: z.string(),
    functionArn: z.string(),
    condition: z.string(),
    approximateInvokeCount: z.number(),
  }),
  responseContext: z
    .object({ statusCode: z.number(), executedVersion: z.string(), functionError: z.string().nullable().optional() })
    .optional(),
  version: z.string(),
  timestamp: z.string(),
  KinesisBatchInfo: z.object({
    shardId: z.string(),
    startSequenceNumber: z.string(),
    endSequenceNumber: z.string(),
    approximateArrivalOfFirstRecord: z.string(),
    approximateArrivalOfLastRecord: z.string(),
    batchSize: z.number(),
    streamArn: z.string(),
  }),
  payload: z.string().optional(),
});
export type StoredFailureRecord = z.infer<typeof failureRecordSchema>;
export type KinesisBatchInfo = StoredFailureRecord['KinesisBatchInfo'];

/** A failure record and where it came from (an S3 key, or a line of a file). */
export interface FailedBatch {
  source: string;
  record: StoredFailureRecord;
}

/**
 * Parses one stored failure record (an S3 object's body or an NDJSON line); a RedriveError names
 * the source when it is not one.
 *
 * @example
 * parseFailureRecord(body, 'aws/lambda/…/shardId-000000000000/2026/01/02/2026-01-02T03.04.05-…').KinesisBatchInfo.shardId;
 */
export function parseFailureRecord(text: string, source: string): StoredFailureRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RedriveError(`${source}: not JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = failureRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'record'}: ${issue.message}`);
    throw new RedriveError(`${source}: not a Lambda failure record (${issues.join('; ')})`);
  }
  return parsed.data;
}

/**
 * Every failure record in the bucket under `aws/lambda/`, oldest first; with `since`, only the
 * objects written at or after it (S3's LastModified).
 *
 * @example
 * const batches = await listFailedBatches(s3, 'kinesis-pipeline-dev-aggregatefailedbatches-…', { since: Date.parse('2026-01-02T00:00Z') });
 */
export async function listFailedBatches(
  s3: S3Client,
  bucket: string,
  { since }: { since?: number } = {},
): Promise<FailedBatch[]> {
  const keys: Array<{ key: string; modifiedMs: number }> = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: FAILURE_PREFIX })) {
    for (const object of page.Contents ?? []) {
      const modifiedMs = object.LastModified?.getTime() ?? 0;
      if (object.Key && (since === undefined || modifiedMs >= since)) keys.push({ key: object.Key, modifiedMs });
    }
  }
  keys.sort((a, b) => a.modifiedMs - b.modifiedMs || a.key.localeCompare(b.key));
  const batches: FailedBatch[] = [];
  for (const { key } of keys) {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    batches.push({ source: key, record: parseFailureRecord((await object.Body?.transformToString()) ?? '', key) });
  }
  return batches;
}

/**
 * Failure records saved one JSON document per line: the bodies of SQS messages or SNS notifications
 * of a metadata-only destination, or the local runtime's stand-in file for them
 * (`.local/data/destinations/<queue or topic>.ndjson`).
 */
export function failedBatchesFromLines(text: string, file: string): FailedBatch[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), source: `${file}:${index + 1}` }))
    .filter(({ line }) => line !== '')
    .map(({ line, source }) => ({ source, record: parseFailureRecord(line, source) }));
}

/**
 * Moves a redriven failure record to `redriven/<its key>` (copy, then delete): it is kept, for the
 * record, but no longer counts as waiting, and the failed-batches alarm's prefix stays clean.
 */
export async function moveToRedriven(s3: S3Client, bucket: string, key: string): Promise<string> {
  const target = `${REDRIVEN_PREFIX}${key}`;
  const copySource = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: target, CopySource: copySource }));
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  return target;
}
