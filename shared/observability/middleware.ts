import { correlationPaths } from '@aws-lambda-powertools/logger/correlationId';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { isClientError } from '../http/errorResponse.ts';
import { activeTracer, logger, metrics } from './powertools.ts';

export interface MiddlewareOptions<TResult> {
  /** JMESPath to the correlation id in the event (default: the API Gateway request id). */
  correlationIdPath?: string;
  /** Turns a thrown error into the function's result; rethrow to let Lambda see the failure. */
  mapError?: (error: unknown) => TResult;
}

/**
 * The middleware stack every function uses, outermost first: tracer (where tracing is on, see
 * powertools.ts), logger (with correlation id), metrics (flushed after each invoke, cold start
 * captured), then error mapping closest to the handler, so mapped errors are still logged, traced
 * and counted.
 *
 * @example
 * export const handler = withMiddleware(async (event) => ingest(event), { mapError: errorResponse });
 */
export function withMiddleware<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
  options: MiddlewareOptions<TResult> = {},
) {
  // Where tracing is off there is no Tracer (nor X-Ray SDK) to open segments with.
  const traced = activeTracer
    ? // The ingest response can be megabytes; X-Ray segments stop at 64 KB.
      middy(handler).use(captureLambdaHandler(activeTracer, { captureResponse: false }))
    : middy(handler);
  return traced
    .use(
      injectLambdaContext(logger, {
        correlationIdPath: options.correlationIdPath ?? correlationPaths.API_GATEWAY_HTTP,
        resetKeys: true,
      }),
    )
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(errorMapping(options.mapError));
}

function errorMapping<TEvent, TResult>(
  mapError: ((error: unknown) => TResult) | undefined,
): MiddlewareObj<TEvent, TResult> {
  return {
    onError: async (request) => {
      if (!mapError) return;
      if (isClientError(request.error)) logger.warn('request refused', { error: request.error });
      else logger.error('request failed', { error: request.error });
      try {
        request.response = mapError(request.error);
      } catch (mapped) {
        // A mapper may answer with an error (the authorizer's "Unauthorized"). Throwing here would
        // skip the outer middlewares' onError (metrics flush, trace close); middy rethrows
        // request.error once they have run.
        request.error = mapped as Error;
      }
    },
  };
}
