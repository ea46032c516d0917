import { z } from 'zod';
import { readEnv } from '../../shared/config/readEnv.ts';

export const aggregateConfigSchema = z.object({
  /** The aggregates table (key `pk` + `window`, index `byHour`, TTL attribute `expiresAt`). */
  AGGREGATES_TABLE: z.string().min(1),
  /** Days an aggregate is kept after its window ends (DynamoDB TTL). Required: serverless.yml always sets it. */
  AGGREGATE_TTL_DAYS: z
    .string({ error: 'required: whole days, at least 1' })
    .regex(/^[1-9][0-9]*$/, 'must be a whole number of days, at least 1')
    .transform(Number),
});

export type AggregateConfig = z.infer<typeof aggregateConfigSchema>;

/** Read once per cold start. */
export const readAggregateConfig = (): AggregateConfig => readEnv(aggregateConfigSchema);
