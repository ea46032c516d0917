import './quietSdkNodeWarning.ts';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { producerStore } from '../shared/auth/producerStore.ts';
import { buildLocalTemplate } from './app/buildTemplate.ts';
import type { LocalApp, LocalStream, LocalTable } from './app/model.ts';
import { provisionLocalApp } from './app/provision.ts';
import { readLocalApp } from './app/readTemplate.ts';
import { CleanupStack } from './cleanupStack.ts';
import { ensureDevToken } from './devToken.ts';
import { startEmulators } from './emulators.ts';
import { LOCAL_ENDPOINTS_PATH, type LocalEndpoints, writeLocalEndpoints } from './endpointsFile.ts';
import { LocalRuntimeError } from './errors.ts';
import { startHttpApi } from './httpApi/httpApi.ts';
import { startInvokeApi } from './lambda/invokeApi.ts';
import { loadLocalLambda } from './lambda/localLambda.ts';
import { localClients } from './localClients.ts';
import { assertProcessCanServe, bindProcessEndpoints } from './processEndpoints.ts';
import { mappingTargets, startMappings } from './startMappings.ts';
import { startSchedules } from './startSchedules.ts';
import { withoutUndefined } from './withoutUndefined.ts';

export { LocalRuntimeError } from './errors.ts';

export interface LocalRuntimeOptions {
  /** Persisted emulator data, checkpoints and the dev token. Default `.local/data`. */
  dataDir?: string;
  /** Start from empty data: everything in `dataDir` is removed once it is claimed for this start. */
  fresh?: boolean;
  /** 0 picks a free port. Defaults: HTTP API 3000, Kinesis 4568, DynamoDB 8000, S3 4569, SNS 4575, Lambda 4574. */
  ports?: { http?: number; kinesis?: number; dynamodb?: number; s3?: number; sns?: number; lambda?: number };
  /** Where to publish the endpoints. Default `.local/endpoints.json`. */
  endpointsFile?: string;
  /** Shard poll interval of the event source mappings (AWS: about 1 s). */
  pollIntervalMs?: number;
  /**
   * The local Kinesis answers ProvisionedThroughputExceededException beyond AWS's per-shard limits
   * (1 MiB/s or 1,000 records/s written, 2 MiB/s and 5 GetRecords/s read), as a provisioned stream
   * on AWS does. Default off: local runs are not throttled.
   */
  shardLimits?: boolean;
  /**
   * When the local Kinesis acknowledges a write: 'os' (default) once the operating system has it
   * (survives a crash of this process), 'fsync' once it is on the disk (survives a power cut).
   */
  kinesisDurability?: 'os' | 'fsync';
  /**
   * Overrides of the `local` stage's params (serverless.yml `params.local`), as
   * `serverless package --param name=value` takes them: e.g. `{ maxRecordSizeKiB: '10240' }`.
   */
  params?: Readonly<Record<string, string>>;
  /** Show handler logs and metrics. */
  verbose?: boolean;
  /**
   * CloudFormation resources added to the built template before it is read: how tests declare
   * test-only functions, mappings and tables that then go through exactly the same path.
   */
  extraResources?: Record<string, unknown>;
  /**
   * Endpoints the functions' AWS clients use instead of the emulators' (the runtime's own clients
   * still go straight to the emulators): how the fault-injection tests put a proxy in between.
   */
  functionEndpoints?: { kinesis?: string; dynamodb?: string; s3?: string; sns?: string };
  /** Fault injection: see MappingDependencies.consumerCrashRate. */
  consumerCrashRate?: number;
  log?: (line: string) => void;
}

export interface LocalRuntime {
  endpoints: LocalEndpoints;
  app: LocalApp;
  /**
   * Removes the endpoints file, stops accepting requests, lets in-flight batches finish, saves
   * checkpoints, stops the emulators. Idempotent.
   */
  stop(): Promise<void>;
}

type Ports = { http: number; kinesis: number; dynamodb: number; s3: number; sns: number; lambda: number };

export const DEFAULT_PORTS: Readonly<Ports> = Object.freeze({
  http: 3000,
  kinesis: 4568,
  dynamodb: 8000,
  s3: 4569,
  sns: 4575,
  lambda: 4574,
});

/** The emulators' ARNs and the template's resolve in this region; the emulators are started in it. */
const REGION = 'us-east-1';

/**
 * Runs the whole pipeline on this machine from the same definition that is deployed: the template
 * of `serverless package --stage local` gives the functions, routes, stream, tables and buckets.
 *
 * The template is checked before anything starts. A start that fails later stops what it had
 * started (in reverse order) before rethrowing. One process hosts one pipeline's emulator
 * endpoints: a later start() in the same process must use the same Kinesis, DynamoDB and S3 ports,
 * since the loaded handlers keep their AWS clients (LocalRuntimeError otherwise).
 *
 * @example
 * const runtime = await start({ dataDir: tmp, ports: { http: 0, kinesis: 0, dynamodb: 0, s3: 0, sns: 0, lambda: 0 } });
 * await fetch(`${runtime.endpoints.httpApi}/events`, { method: 'POST', ... });
 * await runtime.stop();
 */
export async function start(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(options.dataDir ?? '.local/data');
  const ports: Ports = { ...DEFAULT_PORTS, ...withoutUndefined(options.ports ?? {}) };
  assertProcessCanServe(ports);

  const build = await buildLocalTemplate({ stage: 'local', ...withoutUndefined({ params: options.params }) });
  const built = build.template as { Resources?: Record<string, unknown> };
  const template = { ...built, Resources: { ...built.Resources, ...options.extraResources } };
  log(
    build.cached
      ? 'template: unchanged, reused the cached build'
      : 'template: built with serverless package --stage local',
  );
  const app = readLocalApp(template, { region: REGION, stage: 'local' });
  const required = requiredResources(app);

  const cleanups = new CleanupStack();
  try {
    return await startPieces(app, required, cleanups, { ...options, log, dataDir, ports });
  } catch (error) {
    // The start failure is what the caller must see; a failure to undo it is only logged.
    await cleanups.run().catch((cleanupError: unknown) => log(`after the failed start: ${String(cleanupError)}`));
    throw error;
  }
}

/** What the runtime itself needs from the template, checked before anything is started. */
function requiredResources(app: LocalApp): { stream: LocalStream; producersTable: LocalTable } {
  const stream = app.streams[0];
  if (!stream) throw new LocalRuntimeError('the template has no Kinesis stream');
  const producersTable = app.tables.find((t) => t.logicalId === 'ProducersTable');
  if (!producersTable) throw new LocalRuntimeError('the template has no ProducersTable');
  for (const mapping of app.eventSourceMappings) mappingTargets(app, mapping);
  return { stream, producersTable };
}

/** Starts each piece in turn, registering how to undo it as soon as it runs. */
async function startPieces(
  app: LocalApp,
  { stream, producersTable }: ReturnType<typeof requiredResources>,
  cleanups: CleanupStack,
  options: Omit<LocalRuntimeOptions, 'ports'> & { log: (line: string) => void; dataDir: string; ports: Ports },
): Promise<LocalRuntime> {
  const { log, dataDir, ports } = options;
  const emulators = await startEmulators({
    dataDir,
    wipe: options.fresh ?? false,
    region: REGION,
    accountId: app.accountId,
    shardLimits: options.shardLimits ?? false,
    kinesisDurability: options.kinesisDurability ?? 'os',
    ports: { kinesis: ports.kinesis, dynamodb: ports.dynamodb, s3: ports.s3, sns: ports.sns },
    notify: log,
  });
  cleanups.add('the emulators', () => emulators.stop());
  Object.assign(
    process.env,
    emulators.env,
    functionEndpointEnv(options.functionEndpoints ?? {}),
    handlerLogSettings(options.verbose ?? false),
  );
  const clients = localClients(emulators);
  await provisionLocalApp(app, clients);
  const { token } = await ensureDevToken(producerStore(clients.documents, producersTable.name), dataDir);

  bindProcessEndpoints(emulators.endpoints);
  const lambda = await loadLocalLambda(app.functions);
  const invokeApi = await startInvokeApi({
    functions: app.functions,
    invoke: lambda.invoke,
    port: ports.lambda,
    log,
  }).catch((error: unknown) => {
    throw new LocalRuntimeError(`the Lambda Invoke API could not listen on port ${ports.lambda}`, { cause: error });
  });
  cleanups.add('the Lambda Invoke API', () => invokeApi.close());
  const mappings = await startMappings(app, {
    invoke: lambda.invoke,
    clients,
    dataDir,
    region: emulators.region,
    pollIntervalMs: options.pollIntervalMs,
    consumerCrashRate: options.consumerCrashRate,
    log,
  });
  cleanups.add('the event source mappings', () => mappings.stop());
  const schedules = startSchedules(app, {
    invoke: lambda.invoke,
    region: emulators.region,
    accountId: app.accountId,
    log,
  });
  cleanups.add('the schedules', () => schedules.stop());

  const http = await startHttpApi({
    routes: app.routes,
    invoke: lambda.invoke,
    port: ports.http,
    region: emulators.region,
    log,
  });
  cleanups.add('the HTTP API', () => http.close());

  const endpoints: LocalEndpoints = {
    httpApi: http.url,
    kinesis: emulators.endpoints.kinesis,
    dynamodb: emulators.endpoints.dynamodb,
    s3: emulators.endpoints.s3,
    sns: emulators.endpoints.sns,
    snsSinkDir: emulators.snsSinkDir,
    region: emulators.region,
    streamName: stream.name,
    streamArn: stream.arn,
    token,
    tables: Object.fromEntries(app.tables.map((t) => [t.logicalId, t.name])),
    buckets: Object.fromEntries(app.buckets.map((b) => [b.logicalId, b.name])),
    topics: Object.fromEntries(app.topics.map((t) => [t.logicalId, t.arn])),
    lambda: invokeApi.url,
    functions: Object.fromEntries(
      app.functions.map((f) => [f.logicalId, { name: f.name, arn: f.arn, roleArn: f.roleArn }]),
    ),
  };
  const endpointsFile = options.endpointsFile ?? LOCAL_ENDPOINTS_PATH;
  await writeLocalEndpoints(endpoints, endpointsFile);
  // Removed first at stop: once it is gone, CLIs no longer find a pipeline that is going away.
  cleanups.add('the endpoints file', () => rm(endpointsFile, { force: true }));

  let stopping: Promise<void> | undefined;
  return { endpoints, app, stop: () => (stopping ??= cleanups.run()) };
}

/** The `<SERVICE>_ENDPOINT` variables shared/aws/clients.ts reads, for the overridden services. */
function functionEndpointEnv(endpoints: NonNullable<LocalRuntimeOptions['functionEndpoints']>): Record<string, string> {
  const names = { kinesis: 'KINESIS_ENDPOINT', dynamodb: 'DYNAMODB_ENDPOINT', s3: 'S3_ENDPOINT', sns: 'SNS_ENDPOINT' };
  return Object.fromEntries(
    Object.entries(endpoints).flatMap(([service, url]) => (url ? [[names[service as keyof typeof names], url]] : [])),
  );
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
