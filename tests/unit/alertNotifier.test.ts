import type { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { alertMessage, alertSubject, publishAlert } from '../../functions/alert/notifier.ts';
import type { AlertItem } from '../../shared/alerts/alertItem.ts';

const firing: AlertItem = {
  alertKey: 'error-burst#source=checkout',
  ruleId: 'error-burst',
  severity: 'critical',
  groupBy: 'source',
  group: 'checkout',
  state: 'firing',
  changedAt: '2026-11-25T10:00:21.000Z',
  firedAt: '2026-11-25T10:00:21.000Z',
  firedCount: 1,
  matchedCount: 6,
  recent: [],
  notification: 'pending',
  version: 2,
  updatedAt: '2026-11-25T10:00:21.000Z',
};

describe('alert notifier', () => {
  it('publishes the message as JSON with rule, severity and state attributes and a short subject', async () => {
    const sent: PublishCommand[] = [];
    await publishAlert(alertMessage(firing, 'errors'), {
      sns: { send: async (command) => void sent.push(command) },
      topicArn: 'arn:aws:sns:us-east-1:000000000000:alerts',
    });
    expect(sent).toHaveLength(1);
    const input = sent[0]?.input;
    expect(input?.TopicArn).toBe('arn:aws:sns:us-east-1:000000000000:alerts');
    expect(input?.Subject).toBe('[CRITICAL] error-burst firing: source=checkout');
    expect(JSON.parse(input?.Message ?? '')).toEqual({
      alertId: 'error-burst#source=checkout@2026-11-25T10:00:21.000Z',
      alertKey: 'error-burst#source=checkout',
      ruleId: 'error-burst',
      severity: 'critical',
      state: 'firing',
      groupBy: 'source',
      group: 'checkout',
      at: '2026-11-25T10:00:21.000Z',
      matchedCount: 6,
      description: 'errors',
    });
    expect(input?.MessageAttributes).toEqual({
      rule: { DataType: 'String', StringValue: 'error-burst' },
      severity: { DataType: 'String', StringValue: 'critical' },
      state: { DataType: 'String', StringValue: 'firing' },
    });
  });

  it('gives the resolution the same alertId as its firing, at the resolution time', () => {
    const resolved = alertMessage({ ...firing, state: 'resolved', resolvedAt: '2026-11-25T10:02:00.000Z' }, undefined);
    expect(resolved).toMatchObject({
      alertId: 'error-burst#source=checkout@2026-11-25T10:00:21.000Z',
      state: 'resolved',
      at: '2026-11-25T10:02:00.000Z',
    });
  });

  it('keeps the subject within what SNS accepts: 100 printable ASCII characters', () => {
    const subject = alertSubject(alertMessage({ ...firing, group: `caf\u00e9\n${'x'.repeat(200)}` }, undefined));
    expect(subject).toHaveLength(100);
    expect(subject).toMatch(/^\[CRITICAL\] error-burst firing: source=caf\?\?x+\.\.\.$/);
  });

  it('refuses to build a notification for an alert that never fired', () => {
    const { state: _, firedAt: __, ...never } = firing;
    expect(() => alertMessage(never as AlertItem, undefined)).toThrow(/never fired/);
  });
});
