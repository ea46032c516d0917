import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayRequestAuthorizerEventV2,
} from 'aws-lambda';
import type { ApiIdentity } from './requestContext.ts';
import type { RequestParts } from './requestParts.ts';

/**
 * The two events of payload format 2.0. Optional fields (`cookies`, `queryStringParameters`,
 * `pathParameters`, `body`) are left out when empty, as API Gateway leaves them out.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 */

/** What both events share: the request as routed. */
export interface RoutedRequest {
  parts: RequestParts;
  /** The request path without the stage prefix: what routing matched. */
  path: string;
  routeKey: string;
  pathParameters?: Record<string, string>;
  requestContext: APIGatewayEventRequestContextV2;
}

/** The authorizer's event; `cookies` is optional here too (the aws-lambda type insists on it). */
export type AuthorizerEventV2 = Omit<APIGatewayRequestAuthorizerEventV2, 'cookies'> & { cookies?: string[] };

/**
 * The Lambda authorizer's event (type REQUEST). Its `routeArn` carries the path without the stage
 * prefix, as in AWS's example `arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request`.
 *
 * @example
 * authorizerEvent(api, routed, ['Bearer kp_...']); // { version: '2.0', type: 'REQUEST', routeArn: 'arn:aws:execute-api:...', ... }
 */
export function authorizerEvent(api: ApiIdentity, routed: RoutedRequest, identitySource: string[]): AuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:${api.region}:${api.accountId}:${api.apiId}/${api.stage}/${routed.parts.method}${routed.path}`,
    identitySource,
    ...common(routed),
  };
}

/**
 * The integration's event; `authorizerContext` becomes `requestContext.authorizer.lambda`.
 *
 * @example
 * integrationEvent(routed, { body: '{"a":1}', isBase64Encoded: false }, { producer: 'web' });
 */
export function integrationEvent(
  routed: RoutedRequest,
  body: { body?: string; isBase64Encoded: boolean },
  authorizerContext?: Record<string, unknown>,
): APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>> {
  const requestContext = authorizerContext
    ? { ...routed.requestContext, authorizer: { lambda: authorizerContext } }
    : routed.requestContext;
  return { version: '2.0', ...common(routed), requestContext, ...body };
}

function common(routed: RoutedRequest) {
  const { parts } = routed;
  return {
    routeKey: routed.routeKey,
    rawPath: parts.rawPath,
    rawQueryString: parts.rawQueryString,
    ...(parts.cookies && { cookies: parts.cookies }),
    headers: parts.headers,
    ...(parts.queryStringParameters && { queryStringParameters: parts.queryStringParameters }),
    requestContext: routed.requestContext,
    ...(routed.pathParameters && { pathParameters: routed.pathParameters }),
  };
}
