import { isRecord } from '../isRecord.ts';
import { asNumber, asString } from './cfn.ts';
import { TemplateError } from './errors.ts';
import type { LocalStack } from './localStack.ts';
import type { LocalFunction } from './model.ts';

/** Lambda's defaults when a function leaves them out (the framework always sets both). */
const LAMBDA_DEFAULTS = Object.freeze({ timeoutSeconds: 3, memoryMb: 128 });

/**
 * Every AWS::Lambda::Function of the stack, with its environment resolved to local names and ARNs.
 *
 * @example
 * const [ingest] = readFunctions(stack);
 * ingest?.environment.STREAM_NAME; // 'kinesis-pipeline-local-events'
 */
export function readFunctions(stack: LocalStack): LocalFunction[] {
  return stack.resourcesOfType('AWS::Lambda::Function').map((logicalId) => {
    const read = (name: string) => stack.property(logicalId, name);
    const at = (name: string) => stack.propertyPath(logicalId, name);
    const handler = read('Handler');
    if (handler === undefined) throw new TemplateError(at('Handler'), 'only zip functions with a Handler run locally');
    const timeout = read('Timeout');
    const memory = read('MemorySize');
    return {
      logicalId,
      name: stack.ref(logicalId),
      arn: stack.getAtt(logicalId, 'Arn'),
      handler: asString(handler, at('Handler')),
      environment: readEnvironment(read('Environment'), at('Environment')),
      timeoutSeconds: timeout === undefined ? LAMBDA_DEFAULTS.timeoutSeconds : asNumber(timeout, at('Timeout')),
      memoryMb: memory === undefined ? LAMBDA_DEFAULTS.memoryMb : asNumber(memory, at('MemorySize')),
      roleArn: asString(read('Role'), at('Role')),
    };
  });
}

function readEnvironment(environment: unknown, path: string): Record<string, string> {
  if (environment === undefined) return {};
  if (!isRecord(environment)) throw new TemplateError(path, 'expected an object');
  const variables = environment.Variables ?? {};
  if (!isRecord(variables)) throw new TemplateError(`${path}.Variables`, 'expected an object');
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, asString(value, `${path}.Variables.${name}`)]),
  );
}

/**
 * Finds the function a resolved reference points at: a name, a (qualified) function ARN, or an
 * API Gateway invocation URI (`arn:aws:apigateway:...:lambda:path/2015-03-31/functions/<arn>/invocations`).
 *
 * @example
 * functionFor(functions, 'arn:aws:lambda:us-east-1:000000000000:function:kinesis-pipeline-local-ingest:live', path);
 */
export function functionFor(functions: readonly LocalFunction[], reference: string, path: string): LocalFunction {
  const invocation = /\/functions\/(.+)\/invocations$/.exec(reference)?.[1];
  const target = invocation ?? reference;
  // A function ARN may end in `:version` or `:alias`; the name is the 7th field.
  const name = target.startsWith('arn:') ? target.split(':')[6] : target;
  const found = functions.find((fn) => fn.name === name);
  if (found === undefined) throw new TemplateError(path, `${reference} is not a function of this template`);
  return found;
}
