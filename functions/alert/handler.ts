import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { withMiddleware } from '../../shared/observability/middleware.ts';
import { alertBatch } from './alertBatch.ts';
import { alertDependencies } from './dependencies.ts';

const deps = alertDependencies();

// The first record's eventID (`<shardId>:<sequenceNumber>`) names the batch in the logs.
export const handler = withMiddleware(
  (event: KinesisStreamEvent, context: Context) => alertBatch(event, context, deps),
  { correlationIdPath: 'Records[0].eventID' },
);
