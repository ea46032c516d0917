import { z } from 'zod';
import { UnauthorizedError } from '../errors.ts';

/**
 * What the authorizer tells ingest about the caller, through API Gateway's
 * `requestContext.authorizer.lambda`. Both sides use this module, so the contract lives here.
 */
export interface AuthorizedProducer {
  producer: string;
  sources: string[];
}

/** Context values travel as strings; sources as a JSON array (a source may hold any character). */
export function toAuthorizerContext(producer: AuthorizedProducer): Record<string, string> {
  return { producer: producer.producer, sources: JSON.stringify(producer.sources) };
}

const contextSchema = z.object({ producer: z.string().min(1), sources: z.string() });

/** Reads the caller back; a request that reached ingest without it is refused, never trusted. */
export function fromAuthorizerContext(lambdaContext: unknown): AuthorizedProducer {
  const parsed = contextSchema.safeParse(lambdaContext);
  if (!parsed.success) throw new UnauthorizedError('the request carries no authorized producer');
  let decoded: unknown;
  try {
    decoded = JSON.parse(parsed.data.sources);
  } catch (error) {
    throw new UnauthorizedError('the authorized producer has no valid sources', { cause: error });
  }
  const sources = z.array(z.string()).safeParse(decoded);
  if (!sources.success) throw new UnauthorizedError('the authorized producer has no valid sources');
  return { producer: parsed.data.producer, sources: sources.data };
}
