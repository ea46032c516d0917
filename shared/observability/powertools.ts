import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one logger, metrics and tracer of a function. Service name and namespace come from
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE (set in serverless.yml).
 */
export const logger = new Logger();
// Metrics' own warnings go through the logger, so they follow POWERTOOLS_LOG_LEVEL.
export const metrics = new Metrics({ logger });
export const tracer = new Tracer();
