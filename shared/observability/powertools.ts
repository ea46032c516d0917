import { Logger } from '@aws-lambda-powertools/logger';
import { search } from '@aws-lambda-powertools/logger/correlationId';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one logger, metrics and tracer of a function. Service name and namespace come from
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE (set in serverless.yml).
 */
// The search function evaluates the correlation-id path the middleware passes (JMESPath).
export const logger = new Logger({ correlationIdSearchFn: search });
// Metrics' own warnings go through the logger, so they follow POWERTOOLS_LOG_LEVEL.
export const metrics = new Metrics({ logger });
export const tracer = new Tracer();
