import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

/**
 * fast-check arbitraries for the HTTP API fuzz tests (tests/integration/fuzz*.test.ts): request
 * bodies and query strings a hostile or broken client could send.
 */

/** A request body as it goes on the wire, with the headers that describe it. */
export interface FuzzBody {
  label: string;
  bytes: Buffer;
  headers: Record<string, string>;
}

/** A valid producer event, as JSON text: any Unicode (lone surrogates too), optional attributes. */
export const validEventText = fc
  .record(
    {
      type: fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }),
      source: fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }),
      id: fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
      time: fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      subject: fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
      value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      data: fc.jsonValue({ maxDepth: 4 }),
      constructor: fc.jsonValue({ maxDepth: 2 }),
      prototype: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: ['type', 'source'] },
  )
  .map((event) => JSON.stringify(event))
  // fast-check likes generating `__proto__` keys, which ingest rightly refuses.
  .filter((text) => !text.includes('"__proto__"'));

/** JSON text of one thing that is not a valid event (but may be valid JSON). */
export const invalidEventText = fc.oneof(
  fc.constantFrom(
    '{}',
    '{"type":"t"}',
    '{"source":"s"}',
    '{"type":"","source":"s"}',
    '{"type":1,"source":"s"}',
    '{"type":"t","source":"s","value":"12"}',
    '{"type":"t","source":"s","time":"yesterday"}',
    '{"type":"t","source":"s","time":"2026-11-25T10:00:00"}',
    '{"type":"t","source":"s","specversion":"0.3"}',
    '{"type":"t","source":"s","value":1e400}',
    '{"type":"t","source":"s","data":{"n":-1e999}}',
    '{"type":"t","source":"s","__proto__":{"polluted":true}}',
    '{"type":"t","source":"s","\\u005f_proto__":{"polluted":true}}',
    '{"type":"t","source":"s","data":{"a":{"__pro\\u0074o__":1}}}',
    '{"type":"t","source":"s","data":[{"__proto__":null}]}',
    '42',
    'null',
    '"event"',
    '[]',
    'true',
  ),
  fc.string({ minLength: 129, maxLength: 300 }).map((id) => JSON.stringify({ type: 't', source: 's', id })),
  fc.integer({ min: 64, max: 5_000 }).map((depth) => `{"type":"t","source":"s","data":${nested(depth)}}`),
);

/** JSON nested `depth` levels (the event object around it adds one more). */
export function nested(depth: number): string {
  return `${'[{"a":'.repeat(Math.ceil(depth / 2))}1${'}]'.repeat(Math.ceil(depth / 2))}`;
}

/** Lines that NDJSON cannot parse. */
const badLine = fc.oneof(
  fc.constantFrom(
    '{broken',
    'NaN',
    'Infinity',
    '-Infinity',
    '{"type":"t",}',
    "{'type':'t'}",
    '{"a":1}{"b":2}',
    '\u0000',
  ),
  // Not blank (NDJSON skips blank lines), and not a valid event by chance.
  fc
    .string({ minLength: 1, maxLength: 50 })
    .filter((s) => !s.includes('\n') && s.trim() !== '' && !s.includes('"source"')),
);

const TYPES_READ = ['application/json', 'application/x-ndjson', 'application/jsonl', 'application/cloudevents+json'];
const contentType = fc.oneof(
  fc.constantFrom(
    ...TYPES_READ,
    'application/cloudevents-batch+json',
    'APPLICATION/JSON; CHARSET="UTF-8"',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/json;;;',
    'text/plain',
    'text/csv',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    '*/*',
    ';',
  ),
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z/;= -]{1,40}$/),
);
const contentEncoding = fc.constantFrom(
  'gzip',
  'x-gzip',
  'GZIP',
  'identity',
  'br',
  'deflate',
  'gzip, gzip',
  'zstd',
  '',
);

/** Random bytes with the given content type and maybe an encoding, as a client might send them. */
const garbageBody = fc
  .tuple(
    fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.string({ maxLength: 300, unit: 'binary' }).map((s) => Buffer.from(s, 'utf8')),
    ),
    fc.option(contentType, { nil: undefined }),
    fc.option(contentEncoding, { nil: undefined }),
  )
  .map(([bytes, type, encoding]) => body('garbage', bytes, type, encoding));

/** A valid JSON array of events cut short. */
const truncatedJson = fc
  .tuple(fc.array(validEventText, { minLength: 1, maxLength: 4 }), fc.double({ min: 0, max: 0.999 }))
  .map(([events, at]) => {
    const text = `[${events.join(',')}]`;
    return body('truncated JSON', Buffer.from(text.slice(0, Math.floor(text.length * at))), 'application/json');
  });

/** Whole-body JSON that JavaScript would read but JSON does not allow, or allows but cannot represent. */
const oddLiterals = fc
  .constantFrom(
    'NaN',
    'Infinity',
    '-Infinity',
    '1e400',
    '{"type":"t","source":"s","value":NaN}',
    '{"type":"t","source":"s","value":Infinity}',
    '[{"type":"t","source":"s","value":-Infinity}]',
    '{"type":"t","source":"s","value":1e400}',
    '{"type":"t","source":"s","value":123456789012345678901234567890}',
    '{"type":"t","source":"s","value":0x10}',
    '{"type":"t","source":"s","value":.5}',
    '{"type":"t","source":"s","value":+1}',
    '{"type":"t","source":"s","data":undefined}',
    '{"type":"t","source":"s",}',
    '{"type":"t","source":"s"}trailing',
    '\uFEFF{"type":"t","source":"s"}',
    '"just a string"',
    '12',
    'null',
  )
  .map((text) => body('odd literal', Buffer.from(text), 'application/json'));

/** A valid event whose string bytes are broken UTF-8 (overlong, surrogate halves, cut sequences). */
const invalidUtf8 = fc
  .tuple(
    fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf4, 0x90, 0x80, 0x80]),
    fc.constantFrom(...TYPES_READ),
    fc.boolean(),
  )
  .map(([bad, type, gzip]) => {
    const bytes = Buffer.concat([Buffer.from('{"type":"t","source":"'), Buffer.from(bad), Buffer.from('"}')]);
    return gzip ? body('invalid UTF-8, gzip', gzipSync(bytes), type, 'gzip') : body('invalid UTF-8', bytes, type);
  });

/** Gzip that is not: plain JSON declared gzip, gzip of garbage, gzip cut short, gzip twice. */
const badGzip = fc
  .tuple(validEventText, fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 4 }))
  .map(([event, garbage, kind]) => {
    const gz = gzipSync(event);
    const variants: Array<[string, Buffer, string | undefined]> = [
      ['declared gzip, not gzipped', Buffer.from(event), 'gzip'],
      ['gzip of garbage', gzipSync(garbage), 'gzip'],
      ['gzip cut short', gz.subarray(0, Math.max(1, gz.length - 5)), 'gzip'],
      ['gzip twice', gzipSync(gz), 'gzip'],
      ['gzip not declared', gz, undefined],
    ];
    const [label, bytes, encoding] = variants[kind] as [string, Buffer, string | undefined];
    return body(label, bytes, 'application/json', encoding);
  });

/** Events hidden under prototype keys, in any spelling JSON allows. */
const prototypeKeys = fc
  .tuple(
    fc.constantFrom(
      '__proto__',
      '\\u005f\\u005fproto\\u005f\\u005f',
      '__pro\\u0074o__',
      'constructor',
      'prototype',
      'hasOwnProperty',
      'toString',
    ),
    fc.constantFrom('top', 'data', 'deep'),
  )
  .map(([key, where]) => {
    const inner = `{"${key}":{"isAdmin":true,"prototype":{"x":1}}}`;
    const event =
      where === 'top'
        ? `{"type":"t","source":"s","${key}":{"polluted":true}}`
        : `{"type":"t","source":"s","data":${where === 'data' ? inner : `[[${inner}]]`}}`;
    return body(`prototype key ${key} (${where})`, Buffer.from(`[${event}]`), 'application/json');
  });

/** Deep nesting: whole bodies (not even an event) and events in an array, past the 64 limit. */
const deepNesting = fc
  .tuple(fc.integer({ min: 60, max: 200_000 }), fc.boolean())
  .map(([depth, whole]) =>
    body(
      `nested ${depth}`,
      Buffer.from(
        whole ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `[{"type":"t","source":"s","data":${nested(depth)}}]`,
      ),
      'application/json',
    ),
  );

/** NDJSON mixing valid events and bad lines, CRLF and blank lines. */
const badNdjson = fc
  .tuple(fc.array(fc.oneof(validEventText, badLine), { minLength: 1, maxLength: 8 }), fc.constantFrom('\n', '\r\n'))
  .map(([lines, eol]) => body('NDJSON with bad lines', Buffer.from(lines.join(eol)), 'application/x-ndjson'));

/**
 * Every kind of malformed body the ingest fuzz test sends.
 *
 * @example
 * fc.assert(fc.asyncProperty(malformedBody, async ({ bytes, headers }) => { ... }));
 */
export const malformedBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  garbageBody,
  truncatedJson,
  oddLiterals,
  invalidUtf8,
  badGzip,
  prototypeKeys,
  deepNesting,
  badNdjson,
);

/** One element of a mixed request: its JSON text, and whether ingest must accept it. */
export interface MixedItem {
  text: string;
  valid: boolean;
}

/**
 * A request mixing valid and invalid events, as a JSON array or NDJSON (where an element may also
 * be a line that is not JSON), maybe gzipped.
 */
export const mixedRequest = fc
  .tuple(
    fc.array(
      fc.oneof(
        validEventText.map((text): MixedItem => ({ text, valid: true })),
        invalidEventText.map((text): MixedItem => ({ text, valid: false })),
      ),
      { minLength: 1, maxLength: 12 },
    ),
    fc.boolean(),
    fc.boolean(),
  )
  .chain(([items, ndjson, gzip]) =>
    (ndjson
      ? fc.array(badLine, { maxLength: 2 }).map((bad) => [...items, ...bad.map((text) => ({ text, valid: false }))])
      : fc.constant(items)
    ).map((all) => {
      const text = ndjson ? all.map((i) => i.text).join('\n') : `[${all.map((i) => i.text).join(',')}]`;
      const type = ndjson ? 'application/x-ndjson' : 'application/json';
      const bytes = gzip ? gzipSync(text) : Buffer.from(text);
      return {
        items: all,
        request: body(`mixed ${ndjson ? 'NDJSON' : 'array'}`, bytes, type, gzip ? 'gzip' : undefined),
      };
    }),
  );

function body(label: string, bytes: Buffer, type?: string, encoding?: string): FuzzBody {
  const headers: Record<string, string> = {};
  if (type !== undefined) headers['content-type'] = type;
  if (encoding !== undefined) headers['content-encoding'] = encoding;
  return { label, bytes, headers };
}
