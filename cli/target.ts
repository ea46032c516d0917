import '../local/quietSdkNodeWarning.ts';
import { readLocalEndpoints } from '../local/endpointsFile.ts';

/**
 * Where a CLI command points: explicit flags first, then the environment, then the local pipeline
 * that `npm start` described in `.local/endpoints.json`. Local endpoints are exported as the
 * `<SERVICE>_ENDPOINT` variables that `shared/aws/clients.ts` reads, before any client exists.
 */
export function useLocalEndpointsUnlessConfigured(): ReturnType<typeof readLocalEndpoints> {
  const local = readLocalEndpoints();
  if (!local) return undefined;
  process.env.KINESIS_ENDPOINT ??= local.kinesis;
  process.env.DYNAMODB_ENDPOINT ??= local.dynamodb;
  process.env.S3_ENDPOINT ??= local.s3;
  process.env.AWS_REGION ??= local.region;
  return local;
}

/** Prints a message to stderr and exits non-zero: for bad command lines. */
export function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}
