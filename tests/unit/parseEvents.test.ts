import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyParseError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../shared/errors.ts';
import { type HttpBody, parseEvents } from '../../shared/http/parseEvents.ts';

const limits = { maxBodyBytes: 64 * 1024, maxEvents: 100 };
const json = (body: string, headers: Record<string, string> = {}): HttpBody => ({
  body,
  headers: { 'content-type': 'application/json', ...headers },
});
const values = (items: ReturnType<typeof parseEvents>) => items.map((i) => (i.ok ? i.value : i.error));

describe('parseEvents', () => {
  it('reads one event object as a list of one', () => {
    expect(values(parseEvents(json('{"type":"a","source":"b"}'), limits))).toEqual([{ type: 'a', source: 'b' }]);
  });

  it('reads a JSON array, keeping non-object elements for per-event validation', () => {
    expect(values(parseEvents(json('[{"type":"a"}, 3, null]'), limits))).toEqual([{ type: 'a' }, 3, null]);
  });

  it('reads NDJSON line by line; a bad line fails only itself', () => {
    const body = '{"type":"a"}\r\n\n{not json}\n{"type":"c"}\n';
    const items = parseEvents(json(body, { 'content-type': 'application/x-ndjson' }), limits);
    expect(items).toHaveLength(3);
    expect(items[0]).toEqual({ ok: true, value: { type: 'a' } });
    expect(items[1]).toEqual({ ok: false, error: expect.stringContaining('line 3 is not valid JSON') });
    expect(items[2]).toEqual({ ok: true, value: { type: 'c' } });
  });

  it('treats a missing content type as JSON and accepts the CloudEvents batch type', () => {
    expect(parseEvents({ body: '{"a":1}', headers: {} }, limits)).toHaveLength(1);
    const batch = json('[{"a":1},{"a":2}]', { 'content-type': 'application/cloudevents-batch+json; charset=UTF-8' });
    expect(parseEvents(batch, limits)).toHaveLength(2);
  });

  it('inflates gzip bodies, base64-encoded as API Gateway delivers them', () => {
    const body = gzipSync('[{"type":"a"},{"type":"b"}]').toString('base64');
    const request = { body, isBase64Encoded: true, headers: { 'content-encoding': 'gzip' } };
    expect(values(parseEvents(request, limits))).toEqual([{ type: 'a' }, { type: 'b' }]);
  });

  it.each([
    ['an NDJSON', 'application/x-ndjson'],
    ['a CloudEvents', 'application/cloudevents+json'],
    ['a Content-Type-less', undefined],
  ])('reads %s body base64-encoded, as API Gateway HTTP APIs deliver it, as its text', (_name, type) => {
    const text = type === 'application/x-ndjson' ? '{"type":"a"}\n{"type":"b"}\n' : '[{"type":"a"},{"type":"b"}]';
    const headers = type ? { 'content-type': type } : {};
    const request = { body: Buffer.from(text).toString('base64'), isBase64Encoded: true, headers };
    expect(values(parseEvents(request, limits))).toEqual([{ type: 'a' }, { type: 'b' }]);
  });

  it('counts the limit of a base64 body in its decoded bytes, not in base64 characters', () => {
    // One event padded to `bytes` bytes.
    const ndjson = (bytes: number) => {
      const body = `{"type":"a","data":"${'x'.repeat(bytes - '{"type":"a","data":""}\n'.length)}"}\n`;
      const headers = { 'content-type': 'application/x-ndjson' };
      return { body: Buffer.from(body).toString('base64'), isBase64Encoded: true, headers };
    };
    // 65,536 bytes take 87,384 in base64, over the limit as text but not as the body sent.
    expect(ndjson(limits.maxBodyBytes).body.length).toBeGreaterThan(limits.maxBodyBytes);
    expect(parseEvents(ndjson(limits.maxBodyBytes), limits)).toHaveLength(1);
    expect(() => parseEvents(ndjson(limits.maxBodyBytes + 1), limits)).toThrow(
      'the body is 65537 bytes; the limit is 65536',
    );
  });

  it('refuses a gzip bomb once it inflates past the limit', () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, ' ')); // 50 MiB of spaces, ~50 KB compressed
    expect(bomb.byteLength).toBeLessThan(limits.maxBodyBytes);
    const request = { body: bomb.toString('base64'), isBase64Encoded: true, headers: { 'content-encoding': 'gzip' } };
    expect(() => parseEvents(request, limits)).toThrow(PayloadTooLargeError);
  });

  it('refuses a body over the limit before parsing it', () => {
    const body = `[${'{"a":1},'.repeat(10_000)}{"a":1}]`;
    expect(() => parseEvents(json(body), limits)).toThrow(/the limit is 65536/);
  });

  it('counts the limit in UTF-8 bytes of a text body, not in characters', () => {
    // 21,000 characters, each 3 bytes in UTF-8: 63,000 bytes fit; 22,000 (66,000 bytes) do not.
    const body = (n: number) => JSON.stringify({ type: 'a', source: 'b', data: '€'.repeat(n) });
    expect(parseEvents(json(body(21_000)), limits)).toHaveLength(1);
    expect(() => parseEvents(json(body(22_000)), limits)).toThrow(/the body is 66\d{3} bytes; the limit is 65536/);
  });

  it('reads a text body as its UTF-8 bytes would decode: a leading BOM dropped, a lone surrogate as U+FFFD', () => {
    expect(values(parseEvents(json('\ufeff{"type":"a"}'), limits))).toEqual([{ type: 'a' }]);
    expect(values(parseEvents(json('{"type":"a\ud800"}'), limits))).toEqual([{ type: 'a\ufffd' }]);
    expect(values(parseEvents(json('{"type":"\ud83d\ude00"}'), limits))).toEqual([{ type: '😀' }]);
  });

  it('refuses more events than the per-request limit', () => {
    const body = JSON.stringify(Array.from({ length: 101 }, () => ({})));
    expect(() => parseEvents(json(body), limits)).toThrow(PayloadTooLargeError);
  });

  it.each([
    ['bad JSON', json('{"type": '), /not valid JSON/],
    ['an empty body', json(''), /empty/],
    ['a blank body', json('  \n '), /empty/],
    ['an empty array', json('[]'), /no events/],
    ['a JSON string', json('"hello"'), /event object or an array/],
    ['bad gzip', { body: 'bm90IGd6aXA=', isBase64Encoded: true, headers: { 'content-encoding': 'gzip' } }, /gzip/],
    [
      'bad UTF-8',
      { body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), isBase64Encoded: true, headers: {} },
      /UTF-8/,
    ],
  ])('refuses %s as a bad request', (_name, request, message) => {
    expect(() => parseEvents(request, limits)).toThrow(BodyParseError);
    expect(() => parseEvents(request, limits)).toThrow(message);
  });

  it.each([
    ['text/plain', {}],
    ['application/xml', {}],
    ['application/json; charset=latin1', {}],
    ['application/json', { 'content-encoding': 'br' }],
  ])('refuses content type %s / encoding %o', (contentType, extra) => {
    expect(() => parseEvents(json('{}', { 'content-type': contentType, ...extra }), limits)).toThrow(
      UnsupportedMediaTypeError,
    );
  });

  it('refuses events carrying a __proto__ key, even spelled with escapes, and keeps the others', () => {
    const body = '[{"type":"a","__proto__":{"x":1}},{"type":"b","data":{"\\u005f_proto__":1}},{"type":"c"}]';
    const items = parseEvents(json(body), limits);
    expect(items.map((i) => i.ok)).toEqual([false, false, true]);
    expect(items[0]).toEqual({ ok: false, error: 'the key "__proto__" is not allowed' });
  });

  it('refuses, per event, a number beyond the double range rather than storing it as null', () => {
    const body = '[{"type":"a","data":{"n":1e400}},{"type":"b","value":-1e999},{"type":"c","data":[1e308,1e-400]}]';
    const items = parseEvents(json(body), limits);
    expect(items[0]).toEqual({ ok: false, error: 'a number is beyond the range of a double (±1.8e308)' });
    expect(items[1]?.ok).toBe(false);
    expect(items[2]).toEqual({ ok: true, value: { type: 'c', data: [1e308, 0] } });
  });

  it('refuses an event nested deeper than 64 levels, without overflowing the stack, and keeps the others', () => {
    const hostile = `{"type":"a","data":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const atLimit = `{"type":"b","data":${'['.repeat(63)}${']'.repeat(63)}}`;
    const items = parseEvents(json(`[${hostile},${atLimit}]`), { ...limits, maxBodyBytes: 1024 * 1024 });
    expect(items[0]).toEqual({ ok: false, error: 'the event is nested more than 64 levels deep' });
    expect(items[1]?.ok).toBe(true);
  });
});
