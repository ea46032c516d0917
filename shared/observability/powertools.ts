import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The one logger, metrics and tracer of a function. Service name and namespace come from
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE (set in serverless.yml).
 */
export const logger = new Logger();
export const metrics = new Metrics({ defaultDimensions: {} });
export const tracer = new Tracer();
