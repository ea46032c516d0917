import { z } from 'zod';
import { BadRequestError } from '../../shared/errors.ts';

/** Query string parameters as API Gateway (payload 2.0) delivers them; repeated names arrive comma-joined. */
export type QueryParams = Record<string, string | undefined>;

/** What a payload 2.0 event carries of its query string. */
export interface QueryString {
  queryStringParameters?: QueryParams;
  /** The query string as sent, after `?`: the only place a repeated parameter shows as repeated. */
  rawQueryString?: string;
}

/**
 * The request's query parameters, each given once. API Gateway joins the values of a repeated
 * parameter with commas in `queryStringParameters` (`?type=a&type=b` arrives as `type: 'a,b'`), which
 * would read as one value (a type named `a,b`: a 200 with no items). So a name that `rawQueryString`
 * holds more than once is refused with a BadRequestError naming it; a comma sent inside one value
 * (`type=a%2Cb`) is not a repeat.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 *
 * @example
 * queryParams({ queryStringParameters: { type: 'a,b' }, rawQueryString: 'type=a&type=b' });
 * // throws BadRequestError('type: given 2 times; each parameter may be given once')
 */
export function queryParams(request: QueryString): QueryParams {
  const times = new Map<string, number>();
  // Names decoded as form data (`+` a space, `%xx` escapes), as local/httpApi reads them too.
  for (const name of new URLSearchParams(request.rawQueryString ?? '').keys()) {
    times.set(name, (times.get(name) ?? 0) + 1);
  }
  const repeated = [...times].filter(([, count]) => count > 1);
  if (repeated.length > 0) {
    const problems = repeated.map(([name, count]) => `${name}: given ${count} times`);
    throw new BadRequestError(`${problems.join('; ')}; each parameter may be given once`);
  }
  return request.queryStringParameters ?? {};
}

/** An instant in ISO 8601 with an explicit offset, read as epoch milliseconds. */
export const instantParam = (name: string) =>
  z.iso
    .datetime({ offset: true, error: `${name}: expected an ISO 8601 date-time with offset, e.g. 2026-11-25T21:04:00Z` })
    .transform((text) => Date.parse(text));

/** A page size: a whole number in 1..max, `fallback` when absent. */
export const limitParam = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/, { error: `limit: expected a whole number from 1 to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, { error: `limit: at least 1` })
        .max(max, { error: `limit: at most ${max}` }),
    )
    .default(fallback);

/** A name as the event schema allows it (type, source): 1..maxLength characters. */
export const nameParam = (name: string, maxLength: number) =>
  z
    .string()
    .min(1, { error: `${name}: must not be empty` })
    .max(maxLength, { error: `${name}: at most ${maxLength} characters` });

/**
 * Validates query parameters against a strict object schema: an unknown parameter (a typo, most
 * likely) is refused rather than silently ignored. Throws a BadRequestError listing every problem.
 *
 * @example
 * parseParams(z.strictObject({ limit: limitParam(1000, 500) }), { limit: '20' }); // { limit: 20 }
 */
export function parseParams<S extends z.ZodType>(schema: S, params: QueryParams): z.output<S> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
      : issue.message,
  );
  throw new BadRequestError(problems.join('; '));
}
