/**
 * The responses API Gateway writes itself, without the integration: a fixed status and a
 * `{"message": ...}` JSON body, as HTTP APIs answer them (they have no customizable gateway
 * responses, unlike REST APIs).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html
 */

/** What the server writes back, whoever produced it (API Gateway itself or the integration). */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** Each becomes one `Set-Cookie` header. */
  cookies: string[];
  body: Buffer;
}

const GATEWAY_RESPONSES = Object.freeze({
  notFound: [404, 'Not Found'],
  unauthorized: [401, 'Unauthorized'],
  forbidden: [403, 'Forbidden'],
  payloadTooLarge: [413, 'Request Entity Too Large'],
  /**
   * The event is over Lambda's 6 MB invoke limit, so Invoke fails before the function runs. What
   * HTTP APIs answer then is not documented: a REST API was seen answering 413 `{"message": "Request
   * Too Long"}` (https://github.com/koki-develop/lgtm-generator/issues/10), and the Lambda guide
   * says an invoke that Lambda rejects becomes a 500 `{"message": "Internal server error"}`
   * (https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html). Assumed here:
   * the HTTP API's own 413 for a too-large payload. Not verified against AWS.
   */
  invokePayloadTooLarge: [413, 'Request Entity Too Large'],
  internalServerError: [500, 'Internal Server Error'],
  serviceUnavailable: [503, 'Service Unavailable'],
} as const);

export type GatewayResponseKind = keyof typeof GATEWAY_RESPONSES;

/**
 * One of API Gateway's own responses.
 *
 * @example
 * gatewayResponse('notFound'); // 404 {"message":"Not Found"}
 */
export function gatewayResponse(kind: GatewayResponseKind): HttpResponse {
  const [statusCode, message] = GATEWAY_RESPONSES[kind];
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify({ message })),
  };
}
