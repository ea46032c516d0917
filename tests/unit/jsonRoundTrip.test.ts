import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonRoundTrip } from '../../local/lambda/jsonRoundTrip.ts';

const viaJson = (value: unknown) => JSON.parse(JSON.stringify(value) as string);

/** Same structure, key order, prototypes and -0/+0 as the JSON round trip. */
function expectSameAsJson(value: unknown): void {
  const copied = jsonRoundTrip(value);
  const expected = viaJson(value);
  expect(copied).toStrictEqual(expected);
  expect(JSON.stringify(copied)).toBe(JSON.stringify(expected));
  expect(Object.is(copied, -0)).toBe(false);
}

describe('jsonRoundTrip (the local Lambda runtime serializing a result)', () => {
  it('answers null for a function that returns nothing', () => {
    expect(jsonRoundTrip(undefined)).toBeNull();
  });

  it('copies an API Gateway response, body and all, into a new object', () => {
    const response = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"a":"\\ud800"}' };
    const copied = jsonRoundTrip(response);
    expect(copied).toStrictEqual(response);
    expect(copied).not.toBe(response);
    expect((copied as typeof response).headers).not.toBe(response.headers);
  });

  it('applies JSON rules: undefined, functions and symbols dropped or null, non-finite numbers null, -0 as 0', () => {
    const value = {
      skipped: undefined,
      fn: () => 1,
      sym: Symbol('s'),
      list: [undefined, () => 1, Symbol('s'), Number.NaN, Number.POSITIVE_INFINITY, -0, 3],
      holes: new Array(2),
      minusZero: -0,
      10: 'integer keys first',
      lone: '\ud800',
      nested: Object.assign(Object.create(null), { a: 1 }),
    };
    expectSameAsJson(value);
  });

  it('leaves what is not plain data to JSON itself: toJSON, dates, class instances, __proto__ keys', () => {
    expectSameAsJson({ at: new Date(0), custom: { toJSON: () => 'custom' }, map: new Map([[1, 2]]) });
    expectSameAsJson(
      new (class Thing {
        field = 1;
      })(),
    );
    const withProtoKey = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const copied = jsonRoundTrip(withProtoKey) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(Object.keys(copied)).toEqual(['__proto__', 'a']);
  });

  it('throws as JSON does on a cycle, a bigint or a top-level function', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => jsonRoundTrip(cycle)).toThrow(TypeError);
    expect(() => jsonRoundTrip({ n: 1n })).toThrow(TypeError);
    expect(() => jsonRoundTrip(() => 1)).toThrow(SyntaxError);
  });

  it('matches the JSON round trip on any JSON-like value', () => {
    const leaf = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.integer(),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('node'), { maxLength: 5 }),
      object: fc.dictionary(fc.string(), tie('node'), { maxKeys: 5 }),
    })).node;
    // Top-level undefined is the one difference (null: see the first test).
    fc.assert(
      fc.property(
        value.filter((v) => v !== undefined),
        (v) => expectSameAsJson(v),
      ),
      { numRuns: 500 },
    );
  });
});
