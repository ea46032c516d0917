import '../local/quietSdkNodeWarning.ts';
import { relative } from 'node:path';
import { LOCAL_ENDPOINTS_PATH, type LocalEndpoints, readLocalEndpoints } from '../local/endpointsFile.ts';

/**
 * Where a CLI command points. One rule for `npm run produce` and `npm run token`:
 * 1. an explicit endpoint wins: `--url` (produce), or a `<SERVICE>_ENDPOINT` variable;
 * 2. `--stage` or `--region` means AWS, and only they do;
 * 3. otherwise the local pipeline that `npm start` described in `.local/endpoints.json`;
 * 4. with none of these, the command stops and says so (it never falls back to AWS).
 */

/** The running local pipeline's endpoints (undefined without one), and the file that holds them. */
export function findLocalPipeline(): { local: LocalEndpoints | undefined; endpointsFile: string } {
  return { local: readLocalEndpoints(), endpointsFile: displayPath(LOCAL_ENDPOINTS_PATH) };
}

/** `.local/endpoints.json` as a user would type it (relative to the current folder when below it). */
export function displayPath(path: string): string {
  const below = relative(process.cwd(), path);
  return below && !below.startsWith('..') ? below : path;
}

/** A variable set to something (an empty one counts as unset). */
export function setting(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** The region the environment sets: $AWS_REGION, else $AWS_DEFAULT_REGION (the only one the AWS CLI v1 reads). */
export function environmentRegion(): string | undefined {
  return setting('AWS_REGION') ?? setting('AWS_DEFAULT_REGION');
}

export const NO_REGION = 'no AWS region: pass --region R, set AWS_REGION, or give your AWS profile a region';

/**
 * The region of a command's AWS calls: `--region`, else the environment's, else, for a `--stage`
 * (AWS), the one of the AWS profile (~/.aws/config) as the SDK finds it; undefined when none.
 */
export async function regionFor(flags: { stage?: string; region?: string }): Promise<string | undefined> {
  const region = flags.region ?? environmentRegion();
  if (region !== undefined || flags.stage === undefined) return region;
  const { KinesisClient } = await import('@aws-sdk/client-kinesis');
  const client = new KinesisClient({});
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

/**
 * Points the AWS clients of `shared/aws/clients.ts` (they read the environment) where a command
 * resolved to, before any client exists: the local pipeline (its `<SERVICE>_ENDPOINT` variables),
 * an explicit endpoint already in the environment, or AWS itself; and the region.
 */
export function pointAwsClients(
  target: { endpoint?: string; region: string; local: boolean },
  local: LocalEndpoints | undefined,
): void {
  if (target.local && local) {
    process.env.KINESIS_ENDPOINT = local.kinesis;
    process.env.DYNAMODB_ENDPOINT = local.dynamodb;
    process.env.S3_ENDPOINT = local.s3;
  } else if (target.endpoint === undefined) {
    // AWS itself: no <SERVICE>_ENDPOINT left over from the shell (one naming the local pipeline
    // would otherwise send "AWS" calls there).
    for (const name of ['KINESIS_ENDPOINT', 'DYNAMODB_ENDPOINT', 'S3_ENDPOINT']) delete process.env[name];
  }
  process.env.AWS_REGION = target.region;
}

/** Errors of a connection that never got an answer (the endpoint is down or unreachable). */
const CONNECTION_ERRORS = [
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
];

/**
 * One line for an error of an AWS call, or undefined when it is not one (a bug, which keeps its
 * stack): missing credentials, an endpoint that does not answer, or the service's own error.
 *
 * @example
 * explainAwsError(error, { where: 'table t (local pipeline)', local: true });
 * // 'table t (local pipeline): no answer from the local pipeline (connect ECONNREFUSED 127.0.0.1:8000): is npm start running?'
 */
export function explainAwsError(error: unknown, target: { where: string; local: boolean }): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (error.name === 'CredentialsProviderError') {
    return `${target.where}: no AWS credentials (${error.message}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws sso login`;
  }
  if (typeof code === 'string' && CONNECTION_ERRORS.includes(code)) {
    const hint = target.local ? ': is npm start running?' : '';
    return `${target.where}: no answer (${error.message})${hint}`;
  }
  if ('$metadata' in error) return `${target.where}: ${error.name}: ${error.message}`;
  return undefined;
}
