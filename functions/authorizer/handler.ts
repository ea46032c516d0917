import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { producerStore } from '../../shared/auth/producerStore.ts';
import { dynamoDbDocumentClient } from '../../shared/aws/clients.ts';
import { authorizerFailure } from '../../shared/http/errorResponse.ts';
import { withMiddleware } from '../../shared/observability/middleware.ts';
import { authorize } from './authorize.ts';
import { readAuthorizerConfig } from './config.ts';

const config = readAuthorizerConfig();
const store = producerStore(dynamoDbDocumentClient(), config.PRODUCERS_TABLE);

export const handler = withMiddleware((event: APIGatewayRequestAuthorizerEventV2) => authorize(event, store), {
  mapError: authorizerFailure,
});
