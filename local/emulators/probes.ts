import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { pollUntil } from './poll.ts';

/**
 * Readiness probes: an emulator is ready when it answers a real SDK call, not when its port opens
 * (dynalite opens LevelDB on the first request). The Kinesis engine runs in this process and
 * serves once startKinesisEngine resolves.
 */

export interface ProbeOptions {
  region: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * The dummy credentials of local mode; s3rver is taught to accept them (see s3.ts). Not frozen and
 * copied per client: the SDK writes a `$source` property into the credentials object it is given.
 */
export const LOCAL_CREDENTIALS: { readonly accessKeyId: string; readonly secretAccessKey: string } = {
  accessKeyId: 'local',
  secretAccessKey: 'local',
};

function clientConfig(endpoint: string, region: string) {
  return {
    endpoint,
    region,
    credentials: { ...LOCAL_CREDENTIALS },
    // One short attempt per poll: the poll loop is the retry policy, with its own deadline. Without
    // throwOnRequestTimeout the SDK only warns past requestTimeout (on the console, before the
    // banner) and keeps waiting: dynalite answers its first request once LevelDB is open.
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 1_000,
      requestTimeout: 2_000,
      throwOnRequestTimeout: true,
    }),
  };
}

async function untilAnswered(
  what: string,
  client: { destroy(): void },
  call: () => Promise<unknown>,
  options: ProbeOptions,
) {
  try {
    await pollUntil(async () => (await call()) && true, { what, ...options, intervalMs: 100 });
  } finally {
    // Its keep-alive sockets would otherwise hold the emulator's close open.
    client.destroy();
  }
}

export function waitForDynamoDb(endpoint: string, options: ProbeOptions): Promise<void> {
  const client = new DynamoDBClient(clientConfig(endpoint, options.region));
  const what = `dynalite answering ListTables on ${endpoint}`;
  return untilAnswered(what, client, () => client.send(new ListTablesCommand({})), options);
}

export function waitForS3(endpoint: string, options: ProbeOptions): Promise<void> {
  const client = new S3Client({ ...clientConfig(endpoint, options.region), forcePathStyle: true });
  const what = `s3rver answering ListBuckets on ${endpoint}`;
  return untilAnswered(what, client, () => client.send(new ListBucketsCommand({})), options);
}
