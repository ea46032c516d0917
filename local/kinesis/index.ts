import type { KinesisEngineOptions } from './engine/api.ts';
import { KinesisEngine } from './engine/kinesisEngine.ts';
import { startKinesisServer } from './server/kinesisServer.ts';

export interface StartKinesisEngineOptions extends KinesisEngineOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface RunningKinesisEngine {
  /** `http://<host>:<port>`: any AWS SDK or the CLI, HTTP/1.1 or cleartext HTTP/2. */
  readonly endpoint: string;
  readonly port: number;
  readonly engine: KinesisEngine;
  /** Closes the server (ending open subscriptions), then the engine. */
  stop(): Promise<void>;
}

/**
 * Opens the local Kinesis engine on `dataDir` and serves it on one port (AWS JSON 1.1 over
 * HTTP/1.1 and HTTP/2, SubscribeToShard event streams).
 *
 * @example
 * const kinesis = await startKinesisEngine({ dataDir: '.local/data/kinesis', region: 'us-east-1', port: 0 });
 * const client = new KinesisClient({ endpoint: kinesis.endpoint, region: 'us-east-1', credentials });
 * await kinesis.stop();
 */
export async function startKinesisEngine(options: StartKinesisEngineOptions): Promise<RunningKinesisEngine> {
  const { port, host = '127.0.0.1', ...engineOptions } = options;
  const engine = await KinesisEngine.open(engineOptions);
  let server: Awaited<ReturnType<typeof startKinesisServer>>;
  try {
    server = await startKinesisServer(engine, { host, port, log: options.log });
  } catch (error) {
    await engine.close();
    throw error;
  }
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    endpoint: `http://${urlHost}:${server.port}`,
    port: server.port,
    engine,
    stop: async () => {
      await server.close();
      await engine.close();
    },
  };
}
