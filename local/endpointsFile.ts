import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** What `npm start` publishes about the running local pipeline, for CLIs, tests and AWS tools. */
export interface LocalEndpoints {
  httpApi: string;
  kinesis: string;
  dynamodb: string;
  s3: string;
  /** The local SNS endpoint (Publish, CreateTopic, ListTopics). */
  sns: string;
  /** Where every message published to a topic lands, as `<topicName>.ndjson`. */
  snsSinkDir: string;
  region: string;
  streamName: string;
  streamArn: string;
  /** The development producer token (local only). */
  token: string;
  /** Table names by CloudFormation logical id. */
  tables: Record<string, string>;
  /** Bucket names by CloudFormation logical id. */
  buckets: Record<string, string>;
  /** Topic ARNs by CloudFormation logical id. */
  topics: Record<string, string>;
  /** The local Lambda Invoke API (`new LambdaClient({ endpoint })`), see local/lambda/invokeApi.ts. */
  lambda: string;
  /** Functions by CloudFormation logical id (`ArchiveLambdaFunction`): name, ARN and execution role ARN. */
  functions: Record<string, { name: string; arn: string; roleArn: string }>;
}

/** `.local/endpoints.json`, or under KP_LOCAL_DIR when set (tests run a second pipeline that way). */
export const LOCAL_ENDPOINTS_PATH = resolve(process.env.KP_LOCAL_DIR || '.local', 'endpoints.json');

/** The running local pipeline's endpoints, or undefined when `npm start` has not run here. */
export function readLocalEndpoints(path = LOCAL_ENDPOINTS_PATH): LocalEndpoints | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as LocalEndpoints;
}

/**
 * Writes the file readable by its owner only (mode 0o600), since it holds the dev token. It is
 * written under another name and renamed: a `mode` applies only when a file is created, so writing
 * over an older, world-readable file in place would keep that file's mode; and readers (the CLIs)
 * never see half a file.
 *
 * @example
 * await writeLocalEndpoints(endpoints, '.local/endpoints.json');
 */
export async function writeLocalEndpoints(endpoints: LocalEndpoints, path = LOCAL_ENDPOINTS_PATH): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.${randomUUID()}.partial`;
  try {
    await writeFile(partial, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
