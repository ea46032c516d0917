import { dynamoDbDocumentClient } from '../../shared/aws/clients.ts';
import { errorResponse } from '../../shared/http/errorResponse.ts';
import { withMiddleware } from '../../shared/observability/middleware.ts';
import { readQueryConfig } from './config.ts';
import { type QueryRequest, routeQuery } from './routeQuery.ts';

const config = readQueryConfig();

const deps = {
  documents: dynamoDbDocumentClient(),
  aggregatesTable: config.AGGREGATES_TABLE,
  alertsTable: config.ALERTS_TABLE,
  now: Date.now,
};

/** GET /aggregates and GET /alerts, behind the producer authorizer. */
export const handler = withMiddleware(async (event: QueryRequest) => routeQuery(event, deps), {
  mapError: errorResponse,
});
