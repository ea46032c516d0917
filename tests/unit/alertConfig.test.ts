import { describe, expect, it } from 'vitest';
import { alertConfigSchema } from '../../functions/alert/config.ts';
import { readEnv } from '../../shared/config/readEnv.ts';
import { ConfigurationError } from '../../shared/errors.ts';

const valid = {
  ALERTS_TABLE: 'alerts',
  ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:kinesis-pipeline-dev-alerts',
  ALERT_COOLDOWN_SECONDS: '300',
};

describe('alert configuration', () => {
  it('reads the table, the topic and the cooldown in seconds', () => {
    expect(readEnv(alertConfigSchema, valid)).toEqual({ ...valid, ALERT_COOLDOWN_SECONDS: 300 });
    expect(readEnv(alertConfigSchema, { ...valid, ALERT_COOLDOWN_SECONDS: '0' }).ALERT_COOLDOWN_SECONDS).toBe(0);
  });

  it.each([
    ['a missing table', { ALERTS_TABLE: undefined }, /ALERTS_TABLE/],
    ['a topic that is not an SNS ARN', { ALERT_TOPIC_ARN: 'alerts' }, /ALERT_TOPIC_ARN: must be an SNS topic ARN/],
    ['a missing cooldown', { ALERT_COOLDOWN_SECONDS: undefined }, /ALERT_COOLDOWN_SECONDS: required/],
    ['an empty cooldown', { ALERT_COOLDOWN_SECONDS: '' }, /ALERT_COOLDOWN_SECONDS: must be a whole number/],
    ['a negative cooldown', { ALERT_COOLDOWN_SECONDS: '-5' }, /ALERT_COOLDOWN_SECONDS/],
    ['a fractional cooldown', { ALERT_COOLDOWN_SECONDS: '1.5' }, /ALERT_COOLDOWN_SECONDS/],
  ])('refuses %s, naming the setting', (_name, change, message) => {
    expect(() => readEnv(alertConfigSchema, { ...valid, ...change })).toThrow(ConfigurationError);
    expect(() => readEnv(alertConfigSchema, { ...valid, ...change })).toThrow(message);
  });
});
