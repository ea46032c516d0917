import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  exceedsInvokePayload,
  invokePayloadBytes,
  MAX_INVOKE_PAYLOAD_BYTES,
} from '../../local/httpApi/invokePayload.ts';
import { encodeBody, isTextBody } from '../../local/httpApi/requestBody.ts';

// How the local HTTP API hands a request body to Lambda, as API Gateway HTTP APIs do: as text only
// for the types AWS passes as text, base64 otherwise; and whether the whole event still fits one
// synchronous invoke.

describe('isTextBody', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    'text/plain',
    'text/csv; charset=utf-8',
    'application/xml',
    'application/javascript',
  ])('passes %s as text', (type) => {
    expect(isTextBody({ 'content-type': type })).toBe(true);
  });

  it.each([
    'application/x-ndjson',
    'application/jsonl',
    'application/cloudevents+json',
    'application/cloudevents-batch+json',
    'application/atom+xml',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
    '',
  ])('passes %j base64-encoded', (type) => {
    expect(isTextBody({ 'content-type': type })).toBe(false);
  });

  it('passes a body without Content-Type base64-encoded', () => {
    expect(isTextBody({})).toBe(false);
  });

  it.each(['gzip', 'x-gzip', 'br', 'GZIP'])(
    'passes a %s-encoded body base64-encoded, even as application/json or text/plain',
    (encoding) => {
      expect(isTextBody({ 'content-type': 'application/json', 'content-encoding': encoding })).toBe(false);
      expect(isTextBody({ 'content-type': 'text/plain', 'content-encoding': encoding })).toBe(false);
    },
  );

  it('passes a body with Content-Encoding identity by its type', () => {
    expect(isTextBody({ 'content-type': 'application/json', 'content-encoding': 'identity' })).toBe(true);
    expect(isTextBody({ 'content-type': 'application/x-ndjson', 'content-encoding': 'identity' })).toBe(false);
  });
});

describe('encodeBody', () => {
  const line = Buffer.from('{"type":"a","source":"b"}\n');

  it('gives the text of a JSON body and the base64 of the same bytes sent as NDJSON', () => {
    expect(encodeBody(line, { 'content-type': 'application/json' })).toEqual({
      body: line.toString('utf8'),
      isBase64Encoded: false,
    });
    expect(encodeBody(line, { 'content-type': 'application/x-ndjson' })).toEqual({
      body: line.toString('base64'),
      isBase64Encoded: true,
    });
  });

  it('gives the base64 of a gzip body byte for byte', () => {
    const gzip = gzipSync(line);
    const encoded = encodeBody(gzip, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(encoded.isBase64Encoded).toBe(true);
    expect(Buffer.from(encoded.body ?? '', 'base64').equals(gzip)).toBe(true);
  });

  it('leaves out an empty body', () => {
    expect(encodeBody(Buffer.alloc(0), { 'content-type': 'application/x-ndjson' })).toEqual({
      isBase64Encoded: false,
    });
  });
});

describe('the invoke payload limit', () => {
  it('is 6,291,456 bytes', () => {
    expect(MAX_INVOKE_PAYLOAD_BYTES).toBe(6_291_456);
  });

  it('counts the JSON of the whole event in UTF-8 bytes, escapes included', () => {
    expect(invokePayloadBytes({ body: 'ab' })).toBe('{"body":"ab"}'.length);
    // A quote and a newline take two bytes each in JSON, é two in UTF-8.
    expect(invokePayloadBytes({ body: '"\né' })).toBe('{"body":"\\"\\n"}'.length + 2);
  });

  it('lets an event of exactly 6,291,456 bytes through and refuses one byte more', () => {
    const envelope = invokePayloadBytes({ version: '2.0', body: '', isBase64Encoded: true });
    const event = (bodyBytes: number) => ({ version: '2.0', body: 'A'.repeat(bodyBytes), isBase64Encoded: true });
    const fits = event(MAX_INVOKE_PAYLOAD_BYTES - envelope);
    expect(invokePayloadBytes(fits)).toBe(MAX_INVOKE_PAYLOAD_BYTES);
    expect(exceedsInvokePayload(fits)).toBe(false);
    expect(exceedsInvokePayload(event(MAX_INVOKE_PAYLOAD_BYTES - envelope + 1))).toBe(true);
  });
});
