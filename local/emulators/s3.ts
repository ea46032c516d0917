import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { EmulatorStartError } from './errors.ts';
import { LOCAL_CREDENTIALS, waitForS3 } from './probes.ts';
import { makeS3rverPutsAtomic } from './s3AtomicPut.ts';
import { closeHttpServer, LOOPBACK, listen } from './servers.ts';
import type { Log, RunningEmulator } from './types.ts';

export interface S3Options {
  /** 0 picks a free port. */
  port: number;
  /** Object directory; a temporary one, removed on stop, when absent. */
  dir: string | undefined;
  region: string;
  timeoutMs: number;
  log: Log;
  signal: AbortSignal;
}

/**
 * Starts s3rver in this process. Its own run() is not used: a taken port there becomes an
 * unhandled 'error' event that crashes the process instead of rejecting.
 */
export async function startS3(options: S3Options): Promise<RunningEmulator> {
  acceptLocalCredentials();
  makeS3rverPutsAtomic();
  const directory = options.dir ?? (await mkdtemp(join(tmpdir(), 'kinesis-pipeline-s3-')));
  await mkdir(directory, { recursive: true });
  const removeTemporary = () => (options.dir ? Promise.resolve() : rm(directory, { recursive: true, force: true }));
  const app = new S3rver({ directory, silent: true });
  // Also keeps Koa from printing every error to stderr; 4xx answers are normal S3 traffic.
  app.on('error', (error) => {
    if ((error.status ?? 500) >= 500) options.log(`s3rver: ${error.stack ?? error.message}`);
  });
  const server = createServer(app.callback());
  const stop = async () => {
    if (server.listening) await closeHttpServer(server);
    await removeTemporary();
  };
  try {
    const port = await listen(server, options.port, LOOPBACK);
    await waitForS3(`http://${LOOPBACK}:${port}`, options);
    return { endpoint: `http://${LOOPBACK}:${port}`, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    if (options.signal.aborted) throw options.signal.reason;
    throw new EmulatorStartError('s3', `s3rver could not start on port ${options.port}`, { cause: error });
  }
}

interface S3rverAccounts {
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

/**
 * s3rver rejects every access key id but its built-in `S3RVER` with InvalidAccessKeyId (it does
 * not check SigV4 signatures, only the key id). Register the local one in its account registry,
 * which is module state shared by every s3rver in this process.
 */
function acceptLocalCredentials(): void {
  const accounts = createRequire(import.meta.url)('s3rver/lib/models/account.js') as S3rverAccounts;
  accounts.DUMMY_ACCOUNT.createKeyPair(LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey);
}
