import { isRecord } from '../isRecord.ts';
import { TemplateError } from './errors.ts';

/** The parts of a CloudFormation template the local runtime reads. */
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Conditions?: Record<string, unknown>;
  Parameters?: Record<string, { Default?: unknown }>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  /** Name of a template condition: the resource exists only when it is true. */
  Condition?: string;
  /** Read nowhere: local resources are never deleted by the runtime. */
  DeletionPolicy?: string;
}

/**
 * Checks the outer shape of a parsed template: a `Resources` object whose entries have a `Type`.
 *
 * @example
 * const template = asTemplate(JSON.parse(await readFile(path, 'utf8')));
 */
export function asTemplate(value: unknown): CfnTemplate {
  if (!isRecord(value) || !isRecord(value.Resources)) {
    throw new TemplateError('Resources', 'the template has no Resources object');
  }
  for (const [logicalId, resource] of Object.entries(value.Resources)) {
    if (!isRecord(resource) || typeof resource.Type !== 'string') {
      throw new TemplateError(`Resources.${logicalId}`, 'a resource needs a Type');
    }
  }
  return value as unknown as CfnTemplate;
}

/**
 * CloudFormation passes scalars to services as strings and accepts numbers and booleans wherever a
 * string is expected (YAML `MAX_BODY_BYTES: 5242880`), so these do the same conversions.
 *
 * @example
 * const name = asString(stack.property('Stream', 'Name'), 'Resources.Stream.Properties.Name');
 */
export function asString(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(path, `expected a string, got ${describe(value)}`);
}

export function asNumber(value: unknown, path: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number === 'number' && Number.isFinite(number)) return number;
  throw new TemplateError(path, `expected a number, got ${describe(value)}`);
}

export function asBoolean(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new TemplateError(path, `expected a boolean, got ${describe(value)}`);
}

/**
 * One of a fixed set of strings (an enum of the service API), checked rather than cast.
 *
 * @example
 * const mode = asOneOf(value, ['PROVISIONED', 'PAY_PER_REQUEST'] as const, path);
 */
export function asOneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined)
    throw new TemplateError(path, `expected one of ${allowed.join(', ')}, got ${describe(value)}`);
  return found;
}

export function asArray(value: unknown, path: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new TemplateError(path, `expected a list, got ${describe(value)}`);
}

export function asStringArray(value: unknown, path: string): string[] {
  return asArray(value, path).map((item, index) => asString(item, `${path}[${index}]`));
}

/** A short rendering of an unexpected value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 120 ? `${json.slice(0, 117)}...` : json;
}
