/** Deeper than this, the copy leaves it to JSON (whose own limit is the stack). */
const MAX_COPY_DEPTH = 64;

/** Signals a value the direct copy does not handle; JSON does it instead. */
const NOT_PLAIN = Symbol('not plain JSON data');

/**
 * What a value becomes once Lambda has serialized it to JSON and the caller has parsed it back:
 * `JSON.parse(JSON.stringify(value))`, with `null` for `undefined` (what a function returning
 * nothing answers).
 *
 * Why not just that: a function's result is usually plain data already (an API Gateway response is
 * a few fields and a body string of up to megabytes), and stringifying the body escapes every quote
 * only for parsing to undo it. Plain data (objects with the Object or null prototype, arrays,
 * strings, numbers, booleans, null) is copied directly, with JSON's rules: `undefined`, functions
 * and symbols are dropped from objects and become null in arrays, non-finite numbers become null,
 * -0 becomes 0. Anything else (a `toJSON`, a Date, a class instance, a bigint, a `__proto__` key, a
 * cycle or very deep nesting) goes through JSON itself, errors included.
 *
 * @example
 * jsonRoundTrip({ statusCode: 200, body: '{}', skipped: undefined }); // { statusCode: 200, body: '{}' }
 */
export function jsonRoundTrip(value: unknown): unknown {
  if (value === undefined) return null;
  const copy = copyPlain(value, 0);
  // JSON.stringify of a function or a symbol is undefined, which JSON.parse refuses: as before, an error.
  return copy === NOT_PLAIN ? JSON.parse(JSON.stringify(value) as string) : copy;
}

function copyPlain(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value + 0 : null;
    case 'object':
      if (value === null) return null;
      if (depth >= MAX_COPY_DEPTH) return NOT_PLAIN;
      return Array.isArray(value) ? copyArray(value, depth) : copyObject(value, depth);
    default:
      return NOT_PLAIN;
  }
}

function copyArray(array: unknown[], depth: number): unknown {
  if (Object.getPrototypeOf(array) !== Array.prototype) return NOT_PLAIN;
  const copy: unknown[] = new Array(array.length);
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    const kind = typeof item;
    const copied = kind === 'undefined' || kind === 'function' || kind === 'symbol' ? null : copyPlain(item, depth + 1);
    if (copied === NOT_PLAIN) return NOT_PLAIN;
    copy[i] = copied;
  }
  return copy;
}

function copyObject(object: object, depth: number): unknown {
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) return NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    // `toJSON` changes what JSON writes; `__proto__` would set the copy's prototype.
    if (key === 'toJSON' || key === '__proto__') return NOT_PLAIN;
    const item = (object as Record<string, unknown>)[key];
    const kind = typeof item;
    if (kind === 'undefined' || kind === 'function' || kind === 'symbol') continue;
    const copied = copyPlain(item, depth + 1);
    if (copied === NOT_PLAIN) return NOT_PLAIN;
    copy[key] = copied;
  }
  return copy;
}
