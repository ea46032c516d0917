import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** What `npm start` publishes about the running local pipeline, for CLIs, tests and AWS tools. */
export interface LocalEndpoints {
  httpApi: string;
  kinesis: string;
  dynamodb: string;
  s3: string;
  region: string;
  streamName: string;
  streamArn: string;
  /** The development producer token (local only). */
  token: string;
  /** Table names by CloudFormation logical id. */
  tables: Record<string, string>;
  /** Bucket names by CloudFormation logical id. */
  buckets: Record<string, string>;
}

/** `.local/endpoints.json`, or under KP_LOCAL_DIR when set (tests run a second pipeline that way). */
export const LOCAL_ENDPOINTS_PATH = resolve(process.env.KP_LOCAL_DIR || '.local', 'endpoints.json');

/** The running local pipeline's endpoints, or undefined when `npm start` has not run here. */
export function readLocalEndpoints(path = LOCAL_ENDPOINTS_PATH): LocalEndpoints | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as LocalEndpoints;
}

export async function writeLocalEndpoints(endpoints: LocalEndpoints, path = LOCAL_ENDPOINTS_PATH): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(endpoints, null, 2)}\n`);
}
