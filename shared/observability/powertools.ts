import { Logger } from '@aws-lambda-powertools/logger';
import { search } from '@aws-lambda-powertools/logger/correlationId';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { mapStackTracesLazily } from './sourceMaps.ts';

// In a deployed bundle, stack traces point into the sources (read from the map when first needed).
mapStackTracesLazily(import.meta.url);

/**
 * The one logger, metrics and tracer of a function. Service name and namespace come from
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE (set in serverless.yml).
 */
// The search function evaluates the correlation-id path the middleware passes (JMESPath).
export const logger = new Logger({ correlationIdSearchFn: search });
// Metrics' own warnings go through the logger, so they follow POWERTOOLS_LOG_LEVEL.
export const metrics = new Metrics({ logger });

/**
 * Whether Powertools Tracer traces in this environment, by its own rules (Tracer's
 * setTracingEnabled; a unit test holds the two together): not when POWERTOOLS_TRACE_ENABLED is
 * `false`, nor outside a Lambda execution environment (no AWS_EXECUTION_ENV: the local runtime, the
 * tests, the CLIs), nor under SAM local or Amplify's mock.
 *
 * @example
 * tracingEnabled({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' }); // true
 * tracingEnabled({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'false' }); // false
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() === 'false') return false;
  const executionEnv = env.AWS_EXECUTION_ENV ?? '';
  return executionEnv !== '' && executionEnv !== 'AWS_Lambda_amplify-mock' && (env.AWS_SAM_LOCAL ?? '') === '';
}

/**
 * Powertools Tracer where tracing is on; undefined elsewhere. Tracer loads the AWS X-Ray SDK (and
 * through it cls-hooked and semver) when its module loads, about 10 ms of a cold start, so the
 * module is only imported where a trace can be written.
 */
export const activeTracer: Tracer | undefined = tracingEnabled()
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer()
  : undefined;

/** What the functions ask of the tracer besides the handler's segment: tracing AWS SDK clients. */
export interface ClientTracer {
  /** The client, its calls traced as subsegments where tracing is on. */
  captureAWSv3Client<T>(client: T): T;
}

/** Traces AWS SDK clients where tracing is on; hands them back as they are elsewhere, as Tracer does then. */
export const tracer: ClientTracer = activeTracer ?? { captureAWSv3Client: (client) => client };
