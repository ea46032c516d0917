import type { LocalFunction } from '../../local/app/model.ts';

/**
 * A local function whose handler is one of tests/fixtures/lambdaBehaviours.ts's exports.
 *
 * @example
 * const functions = [aBehaviourFunction('Echo', 'echo'), aBehaviourFunction('Slow', 'sleeps', { timeoutSeconds: 1 })];
 */
export const aBehaviourFunction = (
  logicalId: string,
  exportName: string,
  overrides: Partial<LocalFunction> = {},
): LocalFunction => ({
  logicalId,
  name: `local-${logicalId}`,
  arn: `arn:aws:lambda:us-east-1:000000000000:function:local-${logicalId}`,
  handler: `tests/fixtures/lambdaBehaviours.${exportName}`,
  environment: {},
  timeoutSeconds: 2,
  memoryMb: 256,
  roleArn: 'arn:aws:iam::000000000000:role/test',
  ...overrides,
});
