import { type ProducerEvent, producerEventSchema, rfc3339 } from './eventSchema.ts';

export type EventValidation = { ok: true; event: ProducerEvent } | { ok: false; error: string };

/**
 * Validates a producer event. On success the event is the object that was sent, not the schema's
 * copy: the schema has no transforms, and the copy would reorder attributes (schema keys first).
 */
export function validateEvent(value: unknown): EventValidation {
  if (isPlainlyValid(value)) return { ok: true, event: value as ProducerEvent };
  const parsed = producerEventSchema.safeParse(value);
  if (parsed.success) return { ok: true, event: value as ProducerEvent };
  const error = parsed.error.issues
    .map((issue) => `${issue.path.map(String).join('.') || 'event'}: ${issue.message}`)
    .join('; ');
  return { ok: false, error };
}

/** The event if valid; throws with the validation message otherwise (for generated events). */
export function validEvent(value: unknown): ProducerEvent {
  const validation = validateEvent(value);
  if (!validation.ok) throw new TypeError(`invalid event: ${validation.error}`);
  return validation.event;
}

/** The attributes `isPlainlyValid` checks: a test keeps this in step with the schema's. */
export const PLAINLY_CHECKED_KEYS = [
  'specversion',
  'type',
  'source',
  'id',
  'time',
  'subject',
  'value',
  'data',
] as const;

/**
 * True only for an event the schema accepts, checked without building the schema's copy of the
 * object (ingest validates thousands of events a request; the schema's copy was most of the cost).
 * False means "ask the schema", which also words the errors: this never refuses anything itself.
 */
function isPlainlyValid(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const event = value as Record<string, unknown>;
  return (
    (event.specversion === undefined || event.specversion === '1.0') &&
    isText(event.type, 128) &&
    isText(event.source, 256) &&
    (event.id === undefined || isText(event.id, 128)) &&
    (event.subject === undefined || isText(event.subject, 256)) &&
    (event.value === undefined || (typeof event.value === 'number' && Number.isFinite(event.value))) &&
    (event.time === undefined || (typeof event.time === 'string' && isRfc3339(event.time)))
  );
}

/** The schema's own pattern for `time` (a zod string format checks its pattern and nothing else). */
const timePattern = rfc3339.def.pattern;
const isRfc3339 = (value: string): boolean =>
  timePattern ? timePattern.test(value) : rfc3339.safeParse(value).success;

/** True for a string the schema takes as a time (RFC 3339 with an offset). */
export const isEventTime = (value: unknown): value is string => typeof value === 'string' && isRfc3339(value);

const isText = (value: unknown, maxLength: number): boolean =>
  typeof value === 'string' && value.length >= 1 && value.length <= maxLength;
