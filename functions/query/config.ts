import { z } from 'zod';
import { readEnv } from '../../shared/config/readEnv.ts';

export const queryConfigSchema = z.object({
  /** Written by the aggregate consumer; layout in shared/aggregates/aggregateItem.ts. */
  AGGREGATES_TABLE: z.string().min(1),
  /** Written by the alert consumer; layout in shared/alerts/alertItem.ts. */
  ALERTS_TABLE: z.string().min(1),
});

export type QueryConfig = z.infer<typeof queryConfigSchema>;

/** Read once per cold start. */
export const readQueryConfig = (): QueryConfig => readEnv(queryConfigSchema);
