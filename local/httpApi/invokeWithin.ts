import type { Invoke, InvokeResult } from '../lambda/types.ts';

/**
 * Invokes a function but stops waiting after `timeoutMs`: undefined then. As on AWS, the function
 * itself keeps running; only API Gateway has given up on it.
 *
 * @example
 * const result = await invokeWithin(invoke, 'IngestLambdaFunction', event, 30_000);
 * if (!result) return gatewayResponse('serviceUnavailable');
 */
export async function invokeWithin(
  invoke: Invoke,
  functionLogicalId: string,
  event: unknown,
  timeoutMs: number,
): Promise<InvokeResult | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([invoke(functionLogicalId, event), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
