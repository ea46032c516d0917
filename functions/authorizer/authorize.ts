import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { toAuthorizerContext } from '../../shared/auth/authorizerContext.ts';
import type { ProducerStore } from '../../shared/auth/producerStore.ts';
import { bearerToken } from '../../shared/auth/tokens.ts';
import { UnauthorizedError } from '../../shared/errors.ts';
import { metrics } from '../../shared/observability/powertools.ts';

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<Record<string, string>>;

/**
 * Authenticates the bearer token against the producers table. Which `source`s the producer may
 * send is checked per event by ingest, from the context returned here.
 */
export async function authorize(
  event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers'>,
  store: Pick<ProducerStore, 'findByToken'>,
): Promise<AuthorizerResult> {
  const token = bearerToken(event.headers?.authorization);
  const producer = await store.findByToken(token);
  if (!producer) {
    metrics.addMetric('TokensRefused', MetricUnit.Count, 1);
    throw new UnauthorizedError('unknown or revoked token');
  }
  metrics.addMetric('TokensAccepted', MetricUnit.Count, 1);
  return { isAuthorized: true, context: toAuthorizerContext(producer) };
}
