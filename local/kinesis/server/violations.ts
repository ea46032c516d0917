import type { Shape } from './shapes.ts';

/** Longest value quoted in a message: a 10 MiB record should not come back in an error body. */
const MAX_QUOTED = 256;

/**
 * One constraint violation in AWS's words: `Value 'x' at 'streamName' failed to satisfy constraint:
 * Member must ...` (`Value null at ...` for a missing member).
 *
 * @example
 * violation('', 'streamName', 'Member must have length greater than or equal to 1');
 */
export function violation(valueText: string | null, path: string, rule: string): string {
  const value = valueText === null ? 'null' : `'${truncate(valueText)}'`;
  return `Value ${value} at '${path}' failed to satisfy constraint: ${rule}`;
}

/**
 * Appends every rule of `shape` that the value breaks, in the order AWS lists them: length, pattern,
 * enum, range. `length` is what the length rules measure (characters, bytes, items); `number` what the
 * range rules do; `text` how the value is quoted.
 *
 * @example
 * shapeViolations(streamName, undefined, 0, '', 'streamName', violations);
 */
export function shapeViolations(
  shape: Shape,
  number: number | undefined,
  length: number | undefined,
  text: string,
  path: string,
  violations: string[],
): void {
  if ('min' in shape || 'max' in shape) {
    const { min, max } = shape as { min?: number; max?: number };
    if (length !== undefined && shape.type !== 'integer') {
      if (min !== undefined && length < min) {
        violations.push(violation(text, path, `Member must have length greater than or equal to ${min}`));
      }
      if (max !== undefined && length > max) {
        violations.push(violation(text, path, `Member must have length less than or equal to ${max}`));
      }
    }
    if (number !== undefined && shape.type === 'integer') {
      if (min !== undefined && number < min) {
        violations.push(violation(text, path, `Member must have value greater than or equal to ${min}`));
      }
      if (max !== undefined && number > max) {
        violations.push(violation(text, path, `Member must have value less than or equal to ${max}`));
      }
    }
  }
  if (shape.type !== 'string') return;
  if (shape.pattern !== undefined && !shape.pattern.regex.test(text)) {
    violations.push(violation(text, path, `Member must satisfy regular expression pattern: ${shape.pattern.source}`));
  }
  if (shape.enum !== undefined && !shape.enum.includes(text)) {
    violations.push(violation(text, path, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`));
  }
}

function truncate(text: string): string {
  return text.length <= MAX_QUOTED ? text : `${text.slice(0, MAX_QUOTED)}...`;
}
