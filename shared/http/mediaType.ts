import { UnsupportedMediaTypeError } from '../errors.ts';

export type BodyFormat = 'json' | 'ndjson';

/** Content types the API reads, by format. `application/cloudevents-batch+json` is CloudEvents' own batch mode. */
const FORMATS: ReadonlyMap<string, BodyFormat> = new Map([
  ['application/json', 'json'],
  ['application/cloudevents+json', 'json'],
  ['application/cloudevents-batch+json', 'json'],
  ['application/x-ndjson', 'ndjson'],
  ['application/jsonl', 'ndjson'],
]);

/**
 * Reads `Content-Type` into a body format. A missing content type means JSON (what most HTTP
 * clients send by default); a charset other than UTF-8 is refused rather than misread.
 */
export function bodyFormatOf(contentType: string | undefined): BodyFormat {
  if (!contentType?.trim()) return 'json';
  const [type = '', ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  const format = FORMATS.get(type);
  if (!format) {
    throw new UnsupportedMediaTypeError(
      `unsupported Content-Type "${type}"; use one of ${[...FORMATS.keys()].join(', ')}`,
    );
  }
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replaceAll('"', '');
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError(`unsupported charset "${charset}"; bodies must be UTF-8`);
  }
  return format;
}

/** Reads `Content-Encoding`: gzip or nothing. */
export function isGzipEncoded(contentEncoding: string | undefined): boolean {
  const encoding = contentEncoding?.trim().toLowerCase() ?? '';
  if (encoding === '' || encoding === 'identity') return false;
  if (encoding === 'gzip' || encoding === 'x-gzip') return true;
  throw new UnsupportedMediaTypeError(`unsupported Content-Encoding "${encoding}"; use gzip or none`);
}
