import { describe, expect, it } from 'vitest';
import { groupOf, matchesPredicate } from '../../functions/alert/matchRule.ts';
import { MAX_CLOCK_SKEW_MS, planAlerts } from '../../functions/alert/planAlerts.ts';
import type { AlertRule } from '../../functions/alert/rules/ruleSchema.ts';
import { type PipelineRecord, pipelineRecordSchema } from '../../shared/events/eventSchema.ts';
import { errorBurstRule, rulesOf } from '../helpers/alertRules.ts';
import { aKinesisBatch, aPipelineRecordBytes, sequence } from '../helpers/kinesisEvents.ts';

function aRecord(overrides: Partial<PipelineRecord> = {}): PipelineRecord {
  return pipelineRecordSchema.parse({
    specversion: '1.0',
    id: 'e-1',
    type: 'error',
    source: 'checkout-eu',
    subject: 'user-1',
    value: 42,
    time: '2026-11-25T10:00:00Z',
    receivedAt: '2026-11-25T10:00:01Z',
    ingestRequestId: 'req-1',
    ...overrides,
  });
}

const [errorBurst, bySubject] = rulesOf(errorBurstRule, {
  id: 'big-purchase',
  description: 'big purchases per user',
  kind: 'event',
  severity: 'info',
  groupBy: 'subject',
  match: { type: 'purchase', value: { gt: 500 } },
  windowSeconds: 60,
}) as [AlertRule, AlertRule];

describe('matchesPredicate', () => {
  it.each([
    ['an exact string', { type: 'error' }, true],
    ['an exact string that differs', { type: 'click' }, false],
    ['a list holding the value', { source: { in: ['checkout-us', 'checkout-eu'] } }, true],
    ['a list without it', { source: { in: ['checkout-us'] } }, false],
    ['a prefix', { source: { prefix: 'checkout-' } }, true],
    ['a prefix that is longer than the value', { source: { prefix: 'checkout-eu-west' } }, false],
    ['value bounds that hold', { value: { gt: 41, lte: 42 } }, true],
    ['an exclusive bound at the value', { value: { gt: 42 } }, false],
    ['an inclusive bound at the value', { value: { gte: 42 } }, true],
    ['an equality', { value: { eq: 42 } }, true],
    ['every condition holding (AND)', { type: 'error', source: { prefix: 'checkout' }, subject: 'user-1' }, true],
    ['one condition of several failing (AND)', { type: 'error', subject: 'user-2' }, false],
  ])('%s: %s', (_name, predicate, expected) => {
    expect(matchesPredicate(aRecord(), predicate)).toBe(expected);
  });

  it('does not match a condition on an attribute the event lacks', () => {
    expect(matchesPredicate(aRecord({ subject: undefined }), { subject: { prefix: 'user' } })).toBe(false);
    expect(matchesPredicate(aRecord({ value: undefined }), { value: { lt: 1e9 } })).toBe(false);
  });
});

describe('groupOf', () => {
  it('is the source or the subject, undefined when the event has no subject', () => {
    expect(groupOf(aRecord(), errorBurst)).toBe('checkout-eu');
    expect(groupOf(aRecord(), bySubject)).toBe('user-1');
    expect(groupOf(aRecord({ subject: undefined }), bySubject)).toBeUndefined();
  });
});

describe('planAlerts', () => {
  it('groups matches per rule and group, keeps invalid records apart and never evaluates them', () => {
    const error = (id: string, source: string) => ({ data: aPipelineRecordBytes({ id, type: 'error', source }) });
    const event = aKinesisBatch([
      error('a', 'shop'),
      { data: '{"type":"error","subject":"shop"}' },
      error('b', 'shop'),
      error('c', 'blog'),
      { data: aPipelineRecordBytes({ id: 'd', type: 'purchase', value: 900, subject: 'user-3' }) },
      { data: aPipelineRecordBytes({ id: 'e', type: 'purchase', value: 10, subject: 'user-3' }) },
    ]);
    const plan = planAlerts(event.Records, [errorBurst, bySubject]);
    expect([...plan.invalid.keys()]).toEqual([sequence(2)]);
    expect(plan.matched).toBe(4);
    expect(
      plan.groups.map(({ alertKey, matches, sequenceNumbers }) => ({
        alertKey,
        ids: matches.map((match) => match.id),
        sequenceNumbers,
      })),
    ).toEqual([
      { alertKey: 'error-burst#source=shop', ids: ['a', 'b'], sequenceNumbers: [sequence(1), sequence(3)] },
      { alertKey: 'error-burst#source=blog', ids: ['c'], sequenceNumbers: [sequence(4)] },
      { alertKey: 'big-purchase#subject=user-3', ids: ['d'], sequenceNumbers: [sequence(5)] },
    ]);
  });

  it('takes a match time from the event time, not the arrival time', () => {
    const event = aKinesisBatch([
      { data: aPipelineRecordBytes({ id: 'a', type: 'error', time: '2026-01-01T00:00:00Z' }) },
    ]);
    expect(planAlerts(event.Records, [errorBurst]).groups[0]?.matches).toEqual([
      { id: 'a', t: Date.parse('2026-01-01T00:00:00Z') },
    ]);
  });

  it('believes an event time at most five minutes ahead of its arrival (a wrong clock cannot pin an alert)', () => {
    const receivedAt = '2026-11-25T10:00:00.000Z';
    const event = aKinesisBatch([
      { data: aPipelineRecordBytes({ id: 'near', type: 'error', time: '2026-11-25T10:04:00Z', receivedAt }) },
      { data: aPipelineRecordBytes({ id: 'far', type: 'error', time: '2099-01-01T00:00:00Z', receivedAt }) },
    ]);
    expect(planAlerts(event.Records, [errorBurst]).groups[0]?.matches).toEqual([
      { id: 'near', t: Date.parse('2026-11-25T10:04:00Z') },
      { id: 'far', t: Date.parse(receivedAt) + MAX_CLOCK_SKEW_MS },
    ]);
  });
});
