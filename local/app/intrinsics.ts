import { isRecord } from '../isRecord.ts';
import { asArray, asNumber, asString, describe } from './cfn.ts';
import { IntrinsicError, TemplateError } from './errors.ts';

/**
 * What `Ref: AWS::NoValue` resolves to: the property or list element that holds it is removed, as
 * CloudFormation does (`ShardCount: !If [IsProvisioned, 2, !Ref AWS::NoValue]`).
 */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** The template-specific half of resolution: names, ARNs and conditions of one stack. */
export interface IntrinsicScope {
  /** `Ref` to a pseudo parameter, a template parameter or a resource. */
  ref(name: string, path: string): unknown;
  getAtt(logicalId: string, attribute: string, path: string): unknown;
  /** A named condition of the template's `Conditions`. */
  condition(name: string, path: string): boolean;
  findInMap(mapName: string, topKey: string, secondKey: string, path: string): unknown;
}

type IntrinsicFunction = (args: unknown, scope: IntrinsicScope, path: string) => unknown;

/** Condition functions are only valid in `Conditions` (and a resource's `Condition`), not in values. */
const CONDITION_FUNCTIONS = new Set(['Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or']);

/**
 * Replaces every intrinsic function in `value` (deeply) by its local value. `path` names `value` in
 * the template and prefixes any error, e.g. `Resources.Fn.Properties.Environment.Variables.X`.
 * Returns {@link NO_VALUE} when `value` itself is `AWS::NoValue`.
 *
 * @example
 * resolveIntrinsics({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Bucket}' }, scope, 'Outputs.X.Value');
 * // 'arn:aws:s3:::archive' when the Bucket resource has BucketName 'archive'
 */
export function resolveIntrinsics(value: unknown, scope: IntrinsicScope, path: string): unknown {
  if (Array.isArray(value)) {
    return value
      .map((item, index) => resolveIntrinsics(item, scope, `${path}[${index}]`))
      .filter((item) => item !== NO_VALUE);
  }
  if (!isRecord(value)) return value;
  const call = intrinsicCall(value);
  if (call !== undefined) {
    const [name, args] = call;
    const fn = FUNCTIONS[name];
    if (fn !== undefined) return fn(args, scope, `${path}.${name}`);
    const reason = CONDITION_FUNCTIONS.has(name)
      ? `${name} is only valid in Conditions`
      : `unsupported intrinsic function ${name}`;
    throw new IntrinsicError(path, reason);
  }
  const entries = Object.entries(value).map(([key, item]) => [key, resolveIntrinsics(item, scope, `${path}.${key}`)]);
  return Object.fromEntries(entries.filter(([, item]) => item !== NO_VALUE));
}

/**
 * Evaluates a condition expression: `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` and
 * `{ Condition: name }`, with intrinsic functions (Ref, Fn::FindInMap, ...) in their operands.
 *
 * @example
 * evaluateCondition({ 'Fn::Equals': ['ON_DEMAND', 'PROVISIONED'] }, scope, 'Conditions.IsProvisioned'); // false
 */
export function evaluateCondition(expression: unknown, scope: IntrinsicScope, path: string): boolean {
  const call = isRecord(expression) ? (intrinsicCall(expression) ?? conditionCall(expression)) : undefined;
  if (call === undefined) throw new TemplateError(path, `expected a condition function, got ${describe(expression)}`);
  const [name, args] = call;
  const at = `${path}.${name}`;
  switch (name) {
    case 'Condition':
      return scope.condition(asString(args, at), at);
    case 'Fn::Equals': {
      const [left, right] = fixedArgs(args, 2, at).map((arg, i) => resolveIntrinsics(arg, scope, `${at}[${i}]`));
      return sameValue(left, right);
    }
    case 'Fn::Not':
      return !evaluateCondition(fixedArgs(args, 1, at)[0], scope, `${at}[0]`);
    case 'Fn::And':
    case 'Fn::Or': {
      const results = asArray(args, at).map((item, i) => evaluateCondition(item, scope, `${at}[${i}]`));
      return name === 'Fn::And' ? results.every(Boolean) : results.some(Boolean);
    }
    default:
      throw new IntrinsicError(path, `${name} is not a condition function`);
  }
}

/** `[name, args]` when `value` is a single-key `Ref` or `Fn::*` object. */
function intrinsicCall(value: Record<string, unknown>): [string, unknown] | undefined {
  const keys = Object.keys(value);
  const [name] = keys;
  if (keys.length !== 1 || name === undefined) return undefined;
  return name === 'Ref' || name.startsWith('Fn::') ? [name, value[name]] : undefined;
}

function conditionCall(value: Record<string, unknown>): [string, unknown] | undefined {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'Condition' ? ['Condition', value.Condition] : undefined;
}

function fixedArgs(args: unknown, count: number, path: string): unknown[] {
  const list = asArray(args, path);
  if (list.length !== count) throw new TemplateError(path, `expected ${count} arguments, got ${list.length}`);
  return list;
}

function sameValue(left: unknown, right: unknown): boolean {
  const scalar = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  // CloudFormation compares parameter values as strings: 1 equals '1'.
  if (scalar(left) && scalar(right)) return String(left) === String(right);
  return JSON.stringify(left) === JSON.stringify(right);
}

/** A resolved value that is spliced into a string (Fn::Sub, Fn::Join): scalars only. */
function text(value: unknown, path: string): string {
  if (value === NO_VALUE) throw new TemplateError(path, 'AWS::NoValue cannot be part of a string');
  return asString(value, path);
}

function getAtt(args: unknown, scope: IntrinsicScope, path: string): unknown {
  if (typeof args === 'string') {
    const dot = args.indexOf('.');
    if (dot <= 0) throw new TemplateError(path, `expected "LogicalId.Attribute", got ${describe(args)}`);
    return scope.getAtt(args.slice(0, dot), args.slice(dot + 1), path);
  }
  const [logicalId, attribute] = fixedArgs(args, 2, path);
  const attributeName = text(resolveIntrinsics(attribute, scope, `${path}[1]`), `${path}[1]`);
  return scope.getAtt(asString(logicalId, `${path}[0]`), attributeName, path);
}

function sub(args: unknown, scope: IntrinsicScope, path: string): string {
  const [source, variables] = typeof args === 'string' ? [args, {}] : fixedArgs(args, 2, path);
  const pattern = asString(source, typeof args === 'string' ? path : `${path}[0]`);
  if (!isRecord(variables)) throw new TemplateError(`${path}[1]`, 'expected an object of variables');
  return pattern.replace(/\$\{([^}]*)\}/g, (_match, inner: string) => {
    // `${!Literal}` is CloudFormation's escape for a literal `${Literal}`.
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    const at = `${path}.\${${name}}`;
    if (Object.hasOwn(variables, name)) return text(resolveIntrinsics(variables[name], scope, at), at);
    const dot = name.indexOf('.');
    if (dot > 0) return text(scope.getAtt(name.slice(0, dot), name.slice(dot + 1), at), at);
    return text(scope.ref(name, at), at);
  });
}

function join(args: unknown, scope: IntrinsicScope, path: string): string {
  const [delimiter, list] = fixedArgs(args, 2, path);
  const items = asArray(resolveIntrinsics(list, scope, `${path}[1]`), `${path}[1]`);
  return items.map((item, i) => text(item, `${path}[1][${i}]`)).join(asString(delimiter, `${path}[0]`));
}

function select(args: unknown, scope: IntrinsicScope, path: string): unknown {
  const [index, list] = fixedArgs(args, 2, path);
  const position = asNumber(resolveIntrinsics(index, scope, `${path}[0]`), `${path}[0]`);
  const items = asArray(resolveIntrinsics(list, scope, `${path}[1]`), `${path}[1]`);
  if (!Number.isInteger(position) || position < 0 || position >= items.length) {
    throw new TemplateError(path, `index ${position} is outside the list of ${items.length}`);
  }
  return items[position];
}

function split(args: unknown, scope: IntrinsicScope, path: string): string[] {
  const [delimiter, source] = fixedArgs(args, 2, path);
  return text(resolveIntrinsics(source, scope, `${path}[1]`), `${path}[1]`).split(asString(delimiter, `${path}[0]`));
}

function ifThenElse(args: unknown, scope: IntrinsicScope, path: string): unknown {
  const [condition, whenTrue, whenFalse] = fixedArgs(args, 3, path);
  const holds = scope.condition(asString(condition, `${path}[0]`), `${path}[0]`);
  return holds ? resolveIntrinsics(whenTrue, scope, `${path}[1]`) : resolveIntrinsics(whenFalse, scope, `${path}[2]`);
}

function findInMap(args: unknown, scope: IntrinsicScope, path: string): unknown {
  const keys = fixedArgs(args, 3, path).map((key, i) => text(resolveIntrinsics(key, scope, `${path}[${i}]`), path));
  const [mapName = '', topKey = '', secondKey = ''] = keys;
  return scope.findInMap(mapName, topKey, secondKey, path);
}

function importValue(args: unknown, scope: IntrinsicScope, path: string): never {
  let name = describe(args);
  try {
    name = text(resolveIntrinsics(args, scope, path), path);
  } catch {
    // The export's name is only for the message; the import itself is what cannot work.
  }
  throw new IntrinsicError(path, `Fn::ImportValue ${name}: values exported by other stacks do not exist locally`);
}

const FUNCTIONS: Readonly<Record<string, IntrinsicFunction>> = Object.freeze({
  Ref: (args, scope, path) => scope.ref(asString(args, path), path),
  'Fn::GetAtt': getAtt,
  'Fn::Sub': sub,
  'Fn::Join': join,
  'Fn::Select': select,
  'Fn::Split': split,
  'Fn::If': ifThenElse,
  'Fn::FindInMap': findInMap,
  'Fn::Base64': (args, scope, path) => Buffer.from(text(resolveIntrinsics(args, scope, path), path)).toString('base64'),
  'Fn::ImportValue': importValue,
});
