import type { z } from 'zod';
import { ConfigurationError } from '../errors.ts';

/**
 * Reads and validates settings from the environment once, failing fast with a message that names
 * every missing or malformed variable.
 *
 * @example
 * const config = readEnv(z.object({ STREAM_NAME: z.string().min(1) }));
 */
export function readEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigurationError(`invalid configuration: ${problems.join('; ')}`);
}
