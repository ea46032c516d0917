import type { z } from 'zod';
import { BadRequestError } from '../../shared/errors.ts';

/**
 * Pagination cursors: where the next page starts, as base64url JSON. Opaque to callers, so the
 * position can change shape without an API change, but validated on the way in like any other
 * parameter: a cursor that is not one of ours is a 400, never a DynamoDB error.
 */

/** Longer than any cursor this API hands out (keys are at most a few hundred characters). */
const MAX_CURSOR_LENGTH = 2_048;

/**
 * @example
 * encodeCursor({ window: '2026-11-25T21:04:00.000Z' }); // 'eyJ3aW5kb3ciOiIyMDI2LTExLTI1VDIxOjA0OjAwLjAwMFoifQ'
 */
export function encodeCursor(position: object): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * Reads a cursor back, checked against `schema`; throws a BadRequestError naming what is wrong.
 *
 * @example
 * decodeCursor(text, z.strictObject({ window: z.iso.datetime() }));
 */
export function decodeCursor<S extends z.ZodType>(text: string, schema: S): z.infer<S> {
  if (text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw new BadRequestError('cursor: not a cursor this API returned (expected base64url)');
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequestError('cursor: not a cursor this API returned (not JSON)');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new BadRequestError('cursor: not a cursor this API returned, or one of another query; drop it to start over');
  }
  return parsed.data;
}
