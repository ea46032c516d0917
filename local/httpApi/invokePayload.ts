/**
 * Lambda's limit on a synchronous invoke's request payload: "Request must be smaller than 6291456
 * bytes for the InvokeFunction operation" (6 MiB; the quotas page says 6 MB; read as at most that
 * many, as the local Invoke API does). API Gateway invokes the integration with the whole payload
 * format 2.0 event as JSON, so the limit applies to the event (headers, request context, the body
 * as a JSON string, base64-expanded when the body is not text), not to the body alone: a base64
 * body of about 4.5 MiB is already over it, well below the HTTP API's own 10 MiB payload quota.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * The size of the event as the Invoke request carries it: its JSON in UTF-8. API Gateway's own
 * serializer is not published; JSON.stringify escapes the least a JSON writer may (quotes,
 * backslashes, control characters), so this is the smallest size AWS could count.
 *
 * @example
 * invokePayloadBytes({ version: '2.0', body: 'e30=', isBase64Encoded: true }); // 54
 */
export function invokePayloadBytes(event: unknown): number {
  return Buffer.byteLength(JSON.stringify(event) ?? '', 'utf8');
}

/**
 * Whether Lambda would refuse to invoke with this event (RequestEntityTooLargeException), so that
 * API Gateway answers with its own error instead of the function's response.
 *
 * @example
 * if (exceedsInvokePayload(event)) return gatewayResponse('invokePayloadTooLarge');
 */
export function exceedsInvokePayload(event: unknown): boolean {
  return invokePayloadBytes(event) > MAX_INVOKE_PAYLOAD_BYTES;
}
