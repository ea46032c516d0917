import { z } from 'zod';
import { readEnv } from '../../shared/config/readEnv.ts';

export const alertConfigSchema = z.object({
  /** The alerts table (key `alertKey`, index `byState`). */
  ALERTS_TABLE: z.string().min(1),
  /** The SNS topic every alert notification is published to. */
  ALERT_TOPIC_ARN: z.string().regex(/^arn:[^:]+:sns:[^:]*:[^:]*:[^:]+$/, 'must be an SNS topic ARN'),
  /** Least time between two firings of one alert, unless its rule sets `cooldownSeconds`. */
  ALERT_COOLDOWN_SECONDS: z
    .string({ error: 'required: whole seconds, 0 or more' })
    .regex(/^(0|[1-9][0-9]*)$/, 'must be a whole number of seconds, 0 or more')
    .transform(Number),
});

export type AlertConfig = z.infer<typeof alertConfigSchema>;

/** Read once per cold start. */
export const readAlertConfig = (): AlertConfig => readEnv(alertConfigSchema);
