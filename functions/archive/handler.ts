import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { s3Client } from '../../shared/aws/clients.ts';
import { withMiddleware } from '../../shared/observability/middleware.ts';
import { archiveBatch } from './archiveBatch.ts';
import { readArchiveConfig } from './config.ts';

const config = readArchiveConfig();

const deps = {
  s3: s3Client(),
  bucket: config.ARCHIVE_BUCKET,
};

// The first record's eventID (`<shardId>:<sequenceNumber>`) names the batch, as its object key does.
export const handler = withMiddleware(
  (event: KinesisStreamEvent, context: Context) => archiveBatch(event, context, deps),
  { correlationIdPath: 'Records[0].eventID' },
);
