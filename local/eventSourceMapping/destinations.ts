import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LocalEventSourceMapping } from '../app/model.ts';
import { configError } from './settings.ts';
import type { FailureRecord } from './types.ts';

/** Receives failure records; `event` is the invocation event of the discarded records. */
export type FailureDestination = (record: FailureRecord, event: unknown) => Promise<void>;

export interface DestinationDependencies {
  s3: S3Client;
  mappingUuid: string;
  failureStandInDir?: string;
}

/**
 * The mapping's on-failure destination, chosen by the service in its ARN.
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
 *
 * - S3 (`arn:aws:s3:::bucket`): the failure record plus `payload`, the whole invocation event as a
 *   JSON string, at `aws/lambda/<mapping UUID>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>` (UTC).
 * - SQS and SNS: there is no local SQS or SNS, so the record (metadata only, no payload, as AWS
 *   sends it) is appended as one JSON line to `<failureStandInDir>/<queue or topic name>.ndjson`,
 *   where redrive tooling can read it. The records themselves must be re-read from the stream.
 * - No destination: discarded records are dropped, as on AWS.
 *
 * @example
 * const send = failureDestination(mapping, { s3, mappingUuid: mappingUuid(mapping.logicalId) });
 * await send?.(record, event);
 */
export function failureDestination(
  mapping: LocalEventSourceMapping,
  dependencies: DestinationDependencies,
): FailureDestination | undefined {
  const arn = mapping.onFailureDestinationArn;
  if (arn === undefined || arn === '') return undefined;
  const [, , service, , , ...rest] = arn.split(':');
  const resource = rest.join(':');
  if (service === 's3' && resource !== '') return s3Destination(resource, dependencies);
  if ((service === 'sqs' || service === 'sns') && resource !== '') {
    const dir = dependencies.failureStandInDir;
    if (dir === undefined)
      throw configError(mapping, `failureStandInDir is needed for the ${service} destination ${arn}`);
    return standInDestination(join(dir, `${resource}.ndjson`));
  }
  throw configError(mapping, `unsupported on-failure destination ${arn} (expected an S3, SQS or SNS ARN)`);
}

function s3Destination(bucket: string, { s3, mappingUuid }: DestinationDependencies): FailureDestination {
  return async (record, event) => {
    const key = `aws/lambda/${mappingUuid}/${record.KinesisBatchInfo.shardId}/${datePath(record.timestamp)}-${randomUUID()}`;
    const body = JSON.stringify({ ...record, payload: JSON.stringify(event) });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  };
}

/** `2024-11-05T09:08:07.123Z` → `2024/11/05/2024-11-05T09.08.07`. */
function datePath(isoTimestamp: string): string {
  const day = isoTimestamp.slice(0, 10);
  const time = isoTimestamp.slice(11, 19).replaceAll(':', '.');
  return `${day.replaceAll('-', '/')}/${day}T${time}`;
}

function standInDestination(file: string): FailureDestination {
  return async (record) => {
    await mkdir(dirname(file), { recursive: true });
    await appendFile(file, `${JSON.stringify(record)}\n`);
  };
}
