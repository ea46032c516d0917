/**
 * Lambda event filtering patterns (the EventBridge pattern syntax), evaluated against a JSON value.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html#filtering-syntax
 *
 * Supported: exact values (string, number, boolean, null; numbers compare as numbers), `prefix`,
 * `suffix`, `equals-ignore-case`, `numeric` (`=`, `<`, `<=`, `>`, `>=`, up to two comparisons
 * ANDed), `exists` (true/false), `anything-but` (a value, a list of values, or `{prefix}` /
 * `{suffix}`). Keys of one object are ANDed, values of one list ORed; an array in the data matches
 * when any element does. Not supported: `cidr`, `wildcard`, `$or` (they fail at start, not silently).
 */

export type Matcher = (value: unknown) => boolean;

const NUMERIC_OPERATORS = Object.freeze(['=', '<', '<=', '>', '>=']);

/** Thrown for a pattern this module cannot evaluate; the caller adds which mapping it belongs to. */
export class UnsupportedPatternError extends Error {}

/**
 * Compiles one pattern object (already JSON-parsed) into a predicate over the matched document.
 *
 * @example
 * const matches = compilePattern({ type: ['error'], level: [{ numeric: ['>=', 3] }] });
 * matches({ type: 'error', level: 4 }); // true
 */
export function compilePattern(pattern: unknown): Matcher {
  if (!isPlainObject(pattern)) throw new UnsupportedPatternError('a pattern must be a JSON object');
  const fields = Object.entries(pattern).map(([key, sub]) => compileField(key, sub));
  return (document) => fields.every((field) => field(document));
}

function compileField(key: string, sub: unknown): Matcher {
  if (key === '$or') throw new UnsupportedPatternError('$or is not supported locally');
  if (Array.isArray(sub)) {
    const rules = sub.map(compileRule);
    const wantsAbsent = rules.some((rule) => rule.matchesAbsent);
    return (document) => {
      if (!isPlainObject(document) || !(key in document)) return wantsAbsent;
      const value = document[key];
      const candidates = Array.isArray(value) ? value : [value];
      return rules.some((rule) => !rule.matchesAbsent && candidates.some((candidate) => rule.test(candidate)));
    };
  }
  const nested = compilePattern(sub);
  // A nested pattern over a missing object still matches when all it asks is `exists: false`.
  return (document) => nested(isPlainObject(document) && isPlainObject(document[key]) ? document[key] : {});
}

interface Rule {
  test: Matcher;
  /** `{ exists: false }`: matches only when the field is missing. */
  matchesAbsent: boolean;
}

function compileRule(rule: unknown): Rule {
  if (rule === null || typeof rule !== 'object') return { test: (value) => value === rule, matchesAbsent: false };
  const entries = Object.entries(rule);
  const [entry] = entries;
  if (entries.length !== 1 || entry === undefined)
    throw new UnsupportedPatternError(`bad rule ${JSON.stringify(rule)}`);
  const [operator, operand] = entry;
  if (operator === 'exists') {
    if (typeof operand !== 'boolean') throw new UnsupportedPatternError('exists takes true or false');
    return operand ? { test: () => true, matchesAbsent: false } : { test: () => false, matchesAbsent: true };
  }
  return { test: compileOperator(operator, operand), matchesAbsent: false };
}

function compileOperator(operator: string, operand: unknown): Matcher {
  switch (operator) {
    case 'prefix':
      return textRule(operator, operand, (value, text) => value.startsWith(text));
    case 'suffix':
      return textRule(operator, operand, (value, text) => value.endsWith(text));
    case 'equals-ignore-case':
      return textRule(operator, operand, (value, text) => value.toLowerCase() === text.toLowerCase());
    case 'numeric':
      return numericRule(operand);
    case 'anything-but':
      return anythingBut(operand);
    default:
      throw new UnsupportedPatternError(`operator ${operator} is not supported locally`);
  }
}

function textRule(operator: string, operand: unknown, test: (value: string, text: string) => boolean): Matcher {
  if (typeof operand !== 'string') throw new UnsupportedPatternError(`${operator} takes a string`);
  return (value) => typeof value === 'string' && test(value, operand);
}

function numericRule(operand: unknown): Matcher {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length > 4 || operand.length % 2 !== 0) {
    throw new UnsupportedPatternError('numeric takes one or two [operator, number] pairs');
  }
  const checks: Matcher[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const operator = operand[i];
    const bound = operand[i + 1];
    if (typeof operator !== 'string' || !NUMERIC_OPERATORS.includes(operator) || typeof bound !== 'number') {
      throw new UnsupportedPatternError(`bad numeric rule ${JSON.stringify(operand)}`);
    }
    checks.push((value) => typeof value === 'number' && compare(value, operator, bound));
  }
  return (value) => checks.every((check) => check(value));
}

function compare(value: number, operator: string, bound: number): boolean {
  if (operator === '=') return value === bound;
  if (operator === '<') return value < bound;
  if (operator === '<=') return value <= bound;
  if (operator === '>') return value > bound;
  return value >= bound;
}

function anythingBut(operand: unknown): Matcher {
  if (isPlainObject(operand)) {
    const inner = compileRule(operand);
    return (value) => !inner.test(value);
  }
  const excluded = Array.isArray(operand) ? operand : [operand];
  return (value) => !excluded.includes(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
