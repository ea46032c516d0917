import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { producerEventSchema } from '../../shared/events/eventSchema.ts';
import { PLAINLY_CHECKED_KEYS, validateEvent } from '../../shared/events/validateEvent.ts';

const text = (max: number) => fc.oneof(fc.string({ minLength: 0, maxLength: max + 2 }), fc.constant(''), fc.integer());
const attribute = {
  specversion: fc.oneof(fc.constant('1.0'), fc.constant('1.1'), fc.constant(1), fc.constant(null)),
  type: text(128),
  source: text(256),
  id: text(128),
  time: fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom('2026-12-03T14:00:00+01:00', '2026-12-03T14:00:00', '2026-02-30T00:00:00Z', 'now', ''),
    fc.integer(),
  ),
  subject: text(256),
  value: fc.oneof(fc.double(), fc.string(), fc.constant(null)),
  data: fc.anything(),
};
/** Events with each attribute present or not, valid or not, and sometimes extra attributes. */
const events = fc.oneof(
  fc.record(attribute, { requiredKeys: [] }),
  fc.record(attribute, { requiredKeys: [] }).map((e) => ({ ...e, extra: 'kept' })),
  fc.anything(),
);

describe('validateEvent', () => {
  it('accepts exactly what the schema accepts (its fast path never lets through an event the schema refuses)', () => {
    fc.assert(
      fc.property(events, (event) => {
        expect(validateEvent(event).ok).toBe(producerEventSchema.safeParse(event).success);
      }),
      { numRuns: 2000 },
    );
  });

  it("fast-checks every attribute of the schema (a new attribute must be added to the fast path's checks)", () => {
    expect(Object.keys(producerEventSchema.shape).sort()).toEqual([...PLAINLY_CHECKED_KEYS].sort());
  });

  it('returns the object that was sent, attributes in their order, and the schema message on a refusal', () => {
    const event = { source: 'web', type: 'click', extra: { a: 1 } };
    const valid = validateEvent(event);
    expect(valid.ok && valid.event).toBe(event);
    expect(validateEvent({ type: 'click', source: '' })).toEqual({
      ok: false,
      error: expect.stringContaining('source:'),
    });
  });
});
