import { z } from 'zod';
import { readEnv } from '../../shared/config/readEnv.ts';

export const authorizerConfigSchema = z.object({
  PRODUCERS_TABLE: z.string().min(1),
});

export type AuthorizerConfig = z.infer<typeof authorizerConfigSchema>;

/** Read once per cold start. */
export const readAuthorizerConfig = (): AuthorizerConfig => readEnv(authorizerConfigSchema);
