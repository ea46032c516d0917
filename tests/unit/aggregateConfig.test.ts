import { describe, expect, it } from 'vitest';
import { aggregateConfigSchema } from '../../functions/aggregate/config.ts';
import { readEnv } from '../../shared/config/readEnv.ts';
import { ConfigurationError } from '../../shared/errors.ts';

describe('aggregate configuration', () => {
  it('reads the table and the TTL in whole days', () => {
    expect(readEnv(aggregateConfigSchema, { AGGREGATES_TABLE: 'aggregates', AGGREGATE_TTL_DAYS: '30' })).toEqual({
      AGGREGATES_TABLE: 'aggregates',
      AGGREGATE_TTL_DAYS: 30,
    });
  });

  it.each([
    [{ AGGREGATES_TABLE: 'aggregates' }, /AGGREGATE_TTL_DAYS: required/],
    [{ AGGREGATES_TABLE: 'aggregates', AGGREGATE_TTL_DAYS: '0' }, /AGGREGATE_TTL_DAYS: must be a whole number/],
    [{ AGGREGATES_TABLE: 'aggregates', AGGREGATE_TTL_DAYS: '1.5' }, /AGGREGATE_TTL_DAYS: must be a whole number/],
    [{ AGGREGATE_TTL_DAYS: '30' }, /AGGREGATES_TABLE/],
  ])('refuses %o, naming the setting', (env, message) => {
    expect(() => readEnv(aggregateConfigSchema, env)).toThrow(ConfigurationError);
    expect(() => readEnv(aggregateConfigSchema, env)).toThrow(message);
  });
});
