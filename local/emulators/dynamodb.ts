import { mkdir } from 'node:fs/promises';
import dynalite from 'dynalite';
import { EmulatorStartError } from './errors.ts';
import { waitForDynamoDb } from './probes.ts';
import { closeHttpServer, LOOPBACK, listen } from './servers.ts';
import type { RunningEmulator } from './types.ts';

export interface DynamoDbOptions {
  /** 0 picks a free port. */
  port: number;
  /** LevelDB directory; in memory when absent. */
  dir: string | undefined;
  region: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Starts dynalite in this process; tables are ACTIVE as soon as they are created. */
export async function startDynamoDb(options: DynamoDbOptions): Promise<RunningEmulator> {
  if (options.dir) await mkdir(options.dir, { recursive: true });
  const server = dynalite({ path: options.dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listen(server, options.port, LOOPBACK).catch((error: unknown) => {
    throw new EmulatorStartError('dynamodb', `dynalite could not listen on port ${options.port}`, { cause: error });
  });
  const endpoint = `http://${LOOPBACK}:${port}`;
  // dynalite's close() also closes LevelDB, which releases its LOCK file for the next start.
  const stop = () => closeHttpServer(server);
  try {
    await waitForDynamoDb(endpoint, options);
  } catch (error) {
    await stop().catch(() => undefined);
    if (options.signal.aborted) throw options.signal.reason;
    // A LevelDB directory held by another process shows up here, on the first request.
    throw new EmulatorStartError(
      'dynamodb',
      `dynalite on ${endpoint} did not answer (data: ${options.dir ?? 'memory'})`,
      {
        cause: error,
      },
    );
  }
  return { endpoint, stop };
}
