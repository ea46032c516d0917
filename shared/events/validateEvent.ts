import { type ProducerEvent, producerEventSchema } from './eventSchema.ts';

export type EventValidation = { ok: true; event: ProducerEvent } | { ok: false; error: string };

/**
 * Validates a producer event. On success the event is the object that was sent, not the schema's
 * copy: the schema has no transforms, and the copy would reorder attributes (schema keys first).
 */
export function validateEvent(value: unknown): EventValidation {
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
