import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { dynamoDbDocumentClient } from '../../shared/aws/clients.ts';
import { withMiddleware } from '../../shared/observability/middleware.ts';
import { aggregateBatch } from './aggregateBatch.ts';
import { readAggregateConfig } from './config.ts';

const config = readAggregateConfig();

const deps = {
  dynamoDb: dynamoDbDocumentClient(),
  table: config.AGGREGATES_TABLE,
  ttlDays: config.AGGREGATE_TTL_DAYS,
  clock: Date.now,
};

// The first record's eventID (`<shardId>:<sequenceNumber>`) names the batch in the logs.
export const handler = withMiddleware(
  (event: KinesisStreamEvent, context: Context) => aggregateBatch(event, context, deps),
  { correlationIdPath: 'Records[0].eventID' },
);
