import { serializationError, validationError } from './errors.ts';
import { decodeBlob, decodeTimestamp, typeMismatch } from './scalarCodecs.ts';
import type { ListShape, MapShape, Members, Shape, StringShape } from './shapes.ts';
import { shapeViolations, violation } from './violations.ts';

/** AWS reports at most this many constraint violations per request. */
const MAX_VIOLATIONS = 10;

/**
 * Turns a decoded JSON (or CBOR) request body into the SDK input shape of its operation: base64
 * `Data` becomes a `Uint8Array`, timestamps become `Date`s, unknown and null members are dropped.
 * A value of the wrong type is a `SerializationException` (AWS fails deserialization before it
 * validates); constraint violations (required, length, pattern, range, enum) are collected in member
 * order and thrown together as one `ValidationException`.
 *
 * @example
 * const input = readInput(OPERATION_INPUTS.PutRecord, JSON.parse(body));
 * // { StreamName: 'events', Data: Uint8Array [...], PartitionKey: 'p' }
 */
export function readInput(members: Members, body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw serializationError('Start of structure or map expected');
  const violations: string[] = [];
  const input = readStructure(members, body, '', violations);
  if (violations.length > 0) throw validationError(violations.slice(0, MAX_VIOLATIONS));
  return input;
}

function readStructure(
  members: Members,
  value: Record<string, unknown>,
  parent: string,
  violations: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in members) {
    const member = members[name];
    if (member === undefined) continue;
    const path = parent + lowerFirst(name);
    const raw = Object.hasOwn(value, name) ? value[name] : undefined;
    if (raw === undefined || raw === null) {
      if (member.required) violations.push(violation(null, path, 'Member must not be null'));
      continue;
    }
    out[name] = readValue(member.shape, raw, path, violations);
  }
  return out;
}

function readValue(shape: Shape, raw: unknown, path: string, violations: string[]): unknown {
  switch (shape.type) {
    case 'string':
      if (typeof raw !== 'string') throw typeMismatch(raw, 'String');
      shapeViolations(shape, undefined, raw.length, raw, path, violations);
      return raw;
    case 'integer': {
      const number = typeof raw === 'bigint' ? Number(raw) : raw;
      if (typeof number !== 'number' || !Number.isFinite(number)) throw typeMismatch(raw, 'Integer');
      const integer = Math.trunc(number);
      shapeViolations(shape, integer, undefined, String(integer), path, violations);
      return integer;
    }
    case 'boolean':
      if (typeof raw !== 'boolean') throw typeMismatch(raw, 'Boolean');
      return raw;
    case 'blob': {
      const bytes = decodeBlob(raw);
      const text = `java.nio.HeapByteBuffer[pos=0 lim=${bytes.length} cap=${bytes.length}]`;
      shapeViolations(shape, undefined, bytes.length, text, path, violations);
      return bytes;
    }
    case 'timestamp':
      return decodeTimestamp(raw);
    case 'list':
      return readList(shape, raw, path, violations);
    case 'map':
      return readMap(shape, raw, path, violations);
    case 'structure':
      if (!isPlainObject(raw)) throw typeMismatch(raw, 'Structure');
      return readStructure(shape.members, raw, `${path}.`, violations);
  }
}

function readList(shape: ListShape, raw: unknown, path: string, violations: string[]): unknown[] {
  if (!Array.isArray(raw)) throw serializationError('Expected list or null');
  const items = new Array<unknown>(raw.length);
  for (let index = 0; index < raw.length; index += 1) {
    const item: unknown = raw[index];
    const itemPath = `${path}.${index + 1}.member`;
    if (item === null || item === undefined) {
      violations.push(violation(null, itemPath, 'Member must not be null'));
      continue;
    }
    items[index] = readValue(shape.member, item, itemPath, violations);
  }
  shapeViolations(shape, undefined, raw.length, listText(shape, raw), path, violations);
  return items;
}

function readMap(shape: MapShape, raw: unknown, path: string, violations: string[]): Record<string, unknown> {
  if (!isPlainObject(raw)) throw serializationError('Expected map or null');
  const out: Record<string, unknown> = {};
  const keyProblems: string[] = [];
  for (const key of Object.keys(raw)) {
    shapeViolations(shape.key, undefined, key.length, key, '', keyProblems);
    const value = raw[key];
    if (value !== null && value !== undefined) out[key] = readValue(shape.value, value, `${path}.${key}`, violations);
  }
  const text = `{${Object.entries(raw)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ')}}`;
  if (keyProblems.length > 0) {
    violations.push(violation(text, path, `Map keys must satisfy constraint: [${keyRules(shape.key)}]`));
  }
  shapeViolations(shape, undefined, Object.keys(raw).length, text, path, violations);
  return out;
}

/** How AWS spells a key shape's rules inside "Map keys must satisfy constraint: [...]". */
function keyRules(key: StringShape): string {
  const rules: string[] = [];
  if (key.max !== undefined) rules.push(`Member must have length less than or equal to ${key.max}`);
  if (key.min !== undefined) rules.push(`Member must have length greater than or equal to ${key.min}`);
  return rules.join(', ');
}

function listText(shape: ListShape, raw: readonly unknown[]): string {
  if (shape.member.type !== 'string') return `[${raw.length} items]`;
  return `[${raw.join(', ')}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
