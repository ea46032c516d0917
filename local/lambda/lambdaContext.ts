import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { LocalFunction } from '../app/model.ts';

/**
 * The context object Lambda hands a handler, for one invocation of `fn` that must finish by
 * `deadline` (epoch ms). https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
 */
export function lambdaContextFor(fn: LocalFunction, deadline: number, awsRequestId = randomUUID()): Context {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
