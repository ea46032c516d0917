import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { dynamoDbClient, kinesisClient } from '../../shared/aws/clients.ts';
import { errorResponse } from '../../shared/http/errorResponse.ts';
import { withAggregation } from '../../shared/kinesis/aggregatingProducer.ts';
import { createProducer, type Producer } from '../../shared/kinesis/producer.ts';
import { withMiddleware } from '../../shared/observability/middleware.ts';
import { readIngestConfig } from './config.ts';
import { idempotentResponder } from './idempotentIngest.ts';
import { type PostEventsRequest, postEvents } from './postEvents.ts';

const config = readIngestConfig();

const putRecords: Producer = createProducer({
  client: kinesisClient(),
  streamName: config.STREAM_NAME,
  limits: { maxRecordBytes: config.MAX_RECORD_BYTES, maxRequestBytes: config.MAX_REQUEST_BYTES },
  concurrency: config.PUT_CONCURRENCY,
});

const deps = {
  producer:
    config.AGGREGATE_RECORD_BYTES > 0
      ? withAggregation(putRecords, {
          maxRecordBytes: Math.min(config.AGGREGATE_RECORD_BYTES, config.MAX_RECORD_BYTES),
        })
      : putRecords,
  limits: { maxBodyBytes: config.MAX_BODY_BYTES, maxEvents: config.MAX_EVENTS },
  idempotency: idempotentResponder(
    new DynamoDBPersistenceLayer({ tableName: config.IDEMPOTENCY_TABLE, awsSdkV3Client: dynamoDbClient() }),
    config.IDEMPOTENCY_TTL_SECONDS,
  ),
  deadlineReserveMs: config.DEADLINE_RESERVE_MS,
};

export const handler = withMiddleware(
  async (event: PostEventsRequest, context: Context) => {
    deps.idempotency.config.registerLambdaContext(context);
    return postEvents(event, context, deps);
  },
  { mapError: errorResponse },
);
