import './quietSdkNodeWarning.ts';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { producerStore } from '../shared/auth/producerStore.ts';
import { buildLocalTemplate } from './app/buildTemplate.ts';
import type { LocalApp } from './app/model.ts';
import { provisionLocalApp } from './app/provision.ts';
import { readLocalApp } from './app/readTemplate.ts';
import { ensureDevToken } from './devToken.ts';
import { type Emulators, startEmulators } from './emulators.ts';
import { LOCAL_ENDPOINTS_PATH, type LocalEndpoints, writeLocalEndpoints } from './endpointsFile.ts';
import { FileCheckpointStore, type InvocationLogLine, startEventSourceMapping } from './eventSourceMapping/index.ts';
import { startHttpApi } from './httpApi/httpApi.ts';
import { loadLocalLambda } from './lambda/localLambda.ts';
import { localClients } from './localClients.ts';

export interface LocalRuntimeOptions {
  /** Persisted emulator data, checkpoints and the dev token. Default `.local/data`. */
  dataDir?: string;
  /** Wipe `dataDir` first. */
  fresh?: boolean;
  /** 0 picks a free port. Defaults: HTTP API 3000, Kinesis 4568, DynamoDB 8000, S3 4569. */
  ports?: { http?: number; kinesis?: number; dynamodb?: number; s3?: number };
  /** Where to publish the endpoints. Default `.local/endpoints.json`. */
  endpointsFile?: string;
  /** Shard poll interval of the event source mappings (AWS: about 1 s). */
  pollIntervalMs?: number;
  /** Show handler logs and metrics. */
  verbose?: boolean;
  /**
   * CloudFormation resources added to the built template before it is read: how tests declare
   * test-only functions, mappings and tables that then go through exactly the same path.
   */
  extraResources?: Record<string, unknown>;
  log?: (line: string) => void;
}

export interface LocalRuntime {
  endpoints: LocalEndpoints;
  app: LocalApp;
  /** Stops accepting requests, lets in-flight batches finish, saves checkpoints, stops the emulators. */
  stop(): Promise<void>;
}

export const DEFAULT_PORTS = Object.freeze({ http: 3000, kinesis: 4568, dynamodb: 8000, s3: 4569 });

/**
 * Runs the whole pipeline on this machine from the same definition that is deployed: the template
 * of `serverless package --stage local` gives the functions, routes, stream, tables and buckets.
 *
 * @example
 * const runtime = await start({ dataDir: tmp, ports: { http: 0, kinesis: 0, dynamodb: 0, s3: 0 } });
 * await fetch(`${runtime.endpoints.httpApi}/events`, { method: 'POST', ... });
 * await runtime.stop();
 */
export async function start(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir ?? '.local/data');
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  if (options.fresh) await rm(dataDir, { recursive: true, force: true });

  const build = await buildLocalTemplate({ stage: 'local' });
  const { cached } = build;
  const built = build.template as { Resources?: Record<string, unknown> };
  const template = { ...built, Resources: { ...built.Resources, ...options.extraResources } };
  log(
    cached ? 'template: unchanged, reused the cached build' : 'template: built with serverless package --stage local',
  );
  const emulators = await startEmulators({
    dataDir,
    ports: { kinesis: ports.kinesis, dynamodb: ports.dynamodb, s3: ports.s3 },
  });
  try {
    return await startOnEmulators(emulators, template, { ...options, log, dataDir, httpPort: ports.http });
  } catch (error) {
    await emulators.stop();
    throw error;
  }
}

async function startOnEmulators(
  emulators: Emulators,
  template: object,
  options: LocalRuntimeOptions & { log: (line: string) => void; dataDir: string; httpPort: number },
): Promise<LocalRuntime> {
  Object.assign(process.env, emulators.env, handlerLogSettings(options.verbose ?? false));
  const clients = localClients(emulators);
  const app = readLocalApp(template, { region: emulators.region, stage: 'local' });
  await provisionLocalApp(app, clients);
  const producersTable = app.tables.find((t) => t.logicalId === 'ProducersTable');
  if (!producersTable) throw new Error('the template has no ProducersTable');
  const { token } = await ensureDevToken(producerStore(clients.documents, producersTable.name), options.dataDir);

  const lambda = await loadLocalLambda(app.functions);
  const http = await startHttpApi({
    routes: app.routes,
    invoke: lambda.invoke,
    port: options.httpPort,
    region: emulators.region,
    log: options.log,
  });
  const stream = app.streams[0];
  if (!stream) throw new Error('the template has no Kinesis stream');
  const endpoints: LocalEndpoints = {
    httpApi: http.url,
    kinesis: emulators.endpoints.kinesis,
    dynamodb: emulators.endpoints.dynamodb,
    s3: emulators.endpoints.s3,
    region: emulators.region,
    streamName: stream.name,
    streamArn: stream.arn,
    token,
    tables: Object.fromEntries(app.tables.map((t) => [t.logicalId, t.name])),
    buckets: Object.fromEntries(app.buckets.map((b) => [b.logicalId, b.name])),
  };
  const endpointsFile = options.endpointsFile ?? LOCAL_ENDPOINTS_PATH;
  await writeLocalEndpoints(endpoints, endpointsFile);

  const mappings = await startMappings(app, {
    lambda,
    clients,
    dataDir: options.dataDir,
    region: emulators.region,
    pollIntervalMs: options.pollIntervalMs,
    log: options.log,
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await http.close();
      await mappings.stop();
      await emulators.stop();
      await rm(endpointsFile, { force: true });
    })();
    return stopping;
  };
  return { endpoints, app, stop };
}

/**
 * One local event source mapping per AWS::Lambda::EventSourceMapping of the template, sharing one
 * checkpoint file; each (including each enhanced fan-out consumer's) reads on its own.
 */
async function startMappings(
  app: LocalApp,
  deps: {
    lambda: Awaited<ReturnType<typeof loadLocalLambda>>;
    clients: ReturnType<typeof localClients>;
    dataDir: string;
    region: string;
    pollIntervalMs: number | undefined;
    log: (line: string) => void;
  },
) {
  const checkpoints = await FileCheckpointStore.open(join(deps.dataDir, 'checkpoints.json'));
  const handles = app.eventSourceMappings.map((mapping) => {
    const fn = app.functions.find((f) => f.logicalId === mapping.functionLogicalId);
    const stream = app.streams.find((s) => s.logicalId === mapping.streamLogicalId);
    if (!fn || !stream) throw new Error(`event source mapping ${mapping.logicalId}: its function or stream is missing`);
    return startEventSourceMapping({
      mapping,
      stream,
      functionName: fn.name,
      functionArn: fn.arn,
      roleArn: fn.roleArn,
      region: deps.region,
      invoke: (event) => deps.lambda.invoke(fn.logicalId, event),
      kinesis: deps.clients.kinesis,
      s3: deps.clients.s3,
      checkpoints,
      failureStandInDir: join(deps.dataDir, 'destinations'),
      ...(deps.pollIntervalMs === undefined ? {} : { pollIntervalMs: deps.pollIntervalMs }),
      log: (line) => deps.log(invocationLine(line)),
    });
  });
  return {
    async stop() {
      await Promise.all(handles.map((handle) => handle.stop()));
      await checkpoints.flush();
    },
  };
}

/** `archive  shardId-000000000001  batch 100  42 ms  ok` */
function invocationLine(line: InvocationLogLine): string {
  const detail = line.detail ? `  ${line.detail}` : '';
  return `${line.functionName}  ${line.shardId}  batch ${line.batchSize}  ${line.durationMs} ms  ${line.outcome}${detail}`;
}

/**
 * Without --verbose, handlers keep quiet (errors only, no EMF metrics on stdout): the runtime's
 * one line per invocation says what happened. A POWERTOOLS_LOG_LEVEL set by the user wins.
 */
function handlerLogSettings(verbose: boolean): Record<string, string> {
  const level = process.env.POWERTOOLS_LOG_LEVEL ?? (verbose ? 'INFO' : 'ERROR');
  const quiet: Record<string, string> = verbose ? {} : { POWERTOOLS_METRICS_DISABLED: 'true' };
  return { POWERTOOLS_LOG_LEVEL: level, POWERTOOLS_TRACE_ENABLED: 'false', ...quiet };
}
