import { asBoolean, asNumber, asString, asStringArray } from './cfn.ts';
import { TemplateError } from './errors.ts';
import type { LocalStack } from './localStack.ts';
import type { LocalAuthorizer, LocalFunction, LocalRoute } from './model.ts';
import { functionFor } from './readFunctions.ts';

/**
 * The HTTP API routes: AWS::ApiGatewayV2::Route -> its Integration (`Target: integrations/<id>`)
 * -> the Lambda function, plus the route's Lambda REQUEST authorizer. WebSocket APIs are skipped.
 *
 * @example
 * readRoutes(stack, functions); // [{ routeKey: 'POST /events', functionLogicalId: 'IngestLambdaFunction', ... }]
 */
export function readRoutes(stack: LocalStack, functions: readonly LocalFunction[]): LocalRoute[] {
  const webSocketApis = new Set(
    stack
      .resourcesOfType('AWS::ApiGatewayV2::Api')
      .filter((id) => stack.property(id, 'ProtocolType') === 'WEBSOCKET')
      .map((id) => stack.ref(id)),
  );
  const byId = (type: string) => new Map(stack.resourcesOfType(type).map((id) => [stack.ref(id), id]));
  const integrations = byId('AWS::ApiGatewayV2::Integration');
  const authorizers = byId('AWS::ApiGatewayV2::Authorizer');

  return stack
    .resourcesOfType('AWS::ApiGatewayV2::Route')
    .filter((id) => !webSocketApis.has(String(stack.property(id, 'ApiId'))))
    .map((routeId) => {
      const at = (name: string) => stack.propertyPath(routeId, name);
      const target = asString(stack.property(routeId, 'Target'), at('Target'));
      const integrationId = integrations.get(target.replace(/^integrations\//, ''));
      if (integrationId === undefined)
        throw new TemplateError(at('Target'), `no integration ${target} in the template`);
      const route: LocalRoute = {
        routeKey: asString(stack.property(routeId, 'RouteKey'), at('RouteKey')),
        ...readIntegration(stack, integrationId, functions),
      };
      const authorization = stack.property(routeId, 'AuthorizationType') ?? 'NONE';
      if (authorization === 'NONE') return route;
      if (authorization !== 'CUSTOM') {
        throw new TemplateError(
          at('AuthorizationType'),
          `${String(authorization)} authorization is not supported locally`,
        );
      }
      const authorizerRef = asString(stack.property(routeId, 'AuthorizerId'), at('AuthorizerId'));
      const authorizerId = authorizers.get(authorizerRef);
      if (authorizerId === undefined) throw new TemplateError(at('AuthorizerId'), `no authorizer ${authorizerRef}`);
      return { ...route, authorizer: readAuthorizer(stack, authorizerId, functions) };
    });
}

function readIntegration(stack: LocalStack, integrationId: string, functions: readonly LocalFunction[]) {
  const at = (name: string) => stack.propertyPath(integrationId, name);
  const type = stack.property(integrationId, 'IntegrationType');
  if (type !== 'AWS_PROXY') {
    throw new TemplateError(
      at('IntegrationType'),
      `only Lambda (AWS_PROXY) integrations run locally, not ${String(type)}`,
    );
  }
  const uri = asString(stack.property(integrationId, 'IntegrationUri'), at('IntegrationUri'));
  const timeout = stack.property(integrationId, 'TimeoutInMillis');
  return {
    functionLogicalId: functionFor(functions, uri, at('IntegrationUri')).logicalId,
    payloadFormatVersion: required(stack, integrationId, 'PayloadFormatVersion'),
    ...(timeout === undefined ? {} : { integrationTimeoutMs: asNumber(timeout, at('TimeoutInMillis')) }),
  };
}

function readAuthorizer(stack: LocalStack, authorizerId: string, functions: readonly LocalFunction[]): LocalAuthorizer {
  const at = (name: string) => stack.propertyPath(authorizerId, name);
  const read = (name: string) => stack.property(authorizerId, name);
  if (read('AuthorizerType') !== 'REQUEST') {
    throw new TemplateError(at('AuthorizerType'), 'only Lambda REQUEST authorizers run locally (JWT does not)');
  }
  const uri = required(stack, authorizerId, 'AuthorizerUri');
  const identitySource = read('IdentitySource');
  const simple = read('EnableSimpleResponses');
  const ttl = read('AuthorizerResultTtlInSeconds');
  return {
    name: required(stack, authorizerId, 'Name'),
    functionLogicalId: functionFor(functions, uri, at('AuthorizerUri')).logicalId,
    identitySource: identitySource === undefined ? [] : asStringArray(identitySource, at('IdentitySource')),
    enableSimpleResponses: simple === undefined ? false : asBoolean(simple, at('EnableSimpleResponses')),
    payloadFormatVersion: required(stack, authorizerId, 'AuthorizerPayloadFormatVersion'),
    // 0 disables caching; HTTP API Lambda authorizers cache only when a TTL is set.
    resultTtlSeconds: ttl === undefined ? 0 : asNumber(ttl, at('AuthorizerResultTtlInSeconds')),
  };
}

/** Properties API Gateway requires for Lambda integrations and authorizers of HTTP APIs. */
function required(stack: LocalStack, logicalId: string, name: string): string {
  const value = stack.property(logicalId, name);
  if (value === undefined) throw new TemplateError(stack.propertyPath(logicalId, name), 'is required');
  return asString(value, stack.propertyPath(logicalId, name));
}
