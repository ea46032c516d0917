import { fromAuthorizerContext } from '../../shared/auth/authorizerContext.ts';
import type { QueryReader } from '../../shared/aws/queryPages.ts';
import { PipelineError } from '../../shared/errors.ts';
import { type HttpResponse, jsonResponse } from '../../shared/http/jsonResponse.ts';
import { parseAggregatesParams } from './aggregatesParams.ts';
import { parseAlertsParams } from './alertsParams.ts';
import { type QueryString, queryParams } from './parseParams.ts';
import { queryAggregates } from './queryAggregates.ts';
import { queryAlerts } from './queryAlerts.ts';

/** The parts of an HTTP API (payload 2.0) request the query API reads. */
export interface QueryRequest extends QueryString {
  routeKey: string;
  requestContext: { authorizer?: { lambda?: unknown } };
}

export interface QueryDeps {
  documents: QueryReader;
  aggregatesTable: string;
  alertsTable: string;
  now: () => number;
}

/** The function was wired to a route it does not serve: a deployment mistake, answered with 500. */
export class UnknownRouteError extends PipelineError {}

/**
 * Answers GET /aggregates and GET /alerts. Any authorized caller may read; a request without the
 * authorizer's context is refused with 401 (it can only come from a route wired without it). A
 * parameter given twice is a 400 naming it (`queryParams`).
 *
 * @example
 * await routeQuery({ routeKey: 'GET /alerts', queryStringParameters: { state: 'firing' }, requestContext }, deps);
 */
export async function routeQuery(request: QueryRequest, deps: QueryDeps): Promise<HttpResponse> {
  fromAuthorizerContext(request.requestContext.authorizer?.lambda);
  const params = queryParams(request);
  switch (request.routeKey) {
    case 'GET /aggregates': {
      const query = parseAggregatesParams(params, deps.now());
      return ok(await queryAggregates(query, { documents: deps.documents, table: deps.aggregatesTable }));
    }
    case 'GET /alerts': {
      const query = parseAlertsParams(params, deps.now());
      return ok(await queryAlerts(query, { documents: deps.documents, table: deps.alertsTable }));
    }
    default:
      throw new UnknownRouteError(`the query function does not serve route "${request.routeKey}"`);
  }
}

// Results change every few seconds and are per caller: no shared or browser caching.
const ok = (body: unknown): HttpResponse => jsonResponse(200, body, { 'cache-control': 'no-store' });
