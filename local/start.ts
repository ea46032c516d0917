import './quietSdkNodeWarning.ts';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DEFAULT_PORTS, start } from './runtime.ts';

/**
 * `npm start`: the whole pipeline on this machine. Flags: --fresh (wipe the data first),
 * --verbose (handler logs), --poll-interval <ms>, --shard-limits (the local Kinesis answers
 * ProvisionedThroughputExceededException beyond AWS's per-shard limits, as a provisioned stream
 * does), --kinesis-fsync (the local Kinesis flushes every write to the disk before acknowledging it,
 * so acknowledged records survive a power cut too, not only a crash of this process), --param <name=value> (repeatable: overrides a
 * param of the `local` stage, as `serverless deploy --param` does). Ports: KP_HTTP_PORT, KP_KINESIS_PORT,
 * KP_DYNAMODB_PORT, KP_S3_PORT, KP_SNS_PORT, KP_LAMBDA_PORT (0 = any free port). KP_LOCAL_DIR (default `.local`) holds
 * `data/` and `endpoints.json`. KP_EXTRA_RESOURCES names a JSON file of CloudFormation resources to
 * add locally (a debugging consumer, say) without touching serverless.yml. Fault injection (tests):
 * KP_FUNCTION_ENDPOINTS (JSON: endpoints the functions use instead of the emulators', e.g. a
 * failing proxy) and KP_FAULT_CONSUMER_CRASH_RATE (share of consumer invocations that crash after
 * doing their work).
 */
const { values } = parseFlags({
  options: {
    fresh: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    'poll-interval': { type: 'string' },
    'shard-limits': { type: 'boolean', default: false },
    'kinesis-fsync': { type: 'boolean', default: false },
    param: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', default: false },
  },
});

/** parseArgs, with a flag it does not know (or a value given to a switch) as a usage error, not a stack trace. */
function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)} (npm start -- --help)`);
    process.exit(2);
  }
}

if (values.help) {
  console.log(
    'usage: npm start [-- --fresh] [-- --verbose] [-- --poll-interval <ms>] [-- --shard-limits] [-- --kinesis-fsync] [-- --param <name=value> ...]',
  );
  process.exit(0);
}

function port(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    console.error(`error: ${variable}=${raw} is not a port number`);
    process.exit(2);
  }
  return value;
}

/** setTimeout's limit: a longer delay fires at once, which would turn polling into a busy loop. */
const MAX_POLL_INTERVAL_MS = 2_147_483_647;

function pollInterval(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= MAX_POLL_INTERVAL_MS)) {
    console.error(
      `error: --poll-interval ${raw} is not a whole number of milliseconds from 1 to ${MAX_POLL_INTERVAL_MS}`,
    );
    process.exit(2);
  }
  return value;
}

function extraResources(file: string | undefined): Record<string, unknown> | undefined {
  if (!file) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    console.error(`error: KP_EXTRA_RESOURCES=${file}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}

/** KP_FUNCTION_ENDPOINTS: a JSON object of endpoints the functions use instead of the emulators' (fault-injection proxies). */
function functionEndpoints(raw: string | undefined): Record<string, string> | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Record<string, string>;
  } catch (error) {
    console.error(
      `error: KP_FUNCTION_ENDPOINTS is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(2);
  }
}

/** --param name=value, repeatable; a name given twice keeps its last value. */
function params(raw: readonly string[]): Record<string, string> | undefined {
  if (raw.length === 0) return undefined;
  const entries = raw.map((param) => {
    const match = /^([A-Za-z][\w-]*)=(.*)$/s.exec(param);
    if (!match) {
      console.error(`error: --param ${param} is not name=value`);
      process.exit(2);
    }
    return [match[1] as string, match[2] as string] as const;
  });
  return Object.fromEntries(entries);
}

/** KP_FAULT_CONSUMER_CRASH_RATE: a share from 0 to 1. */
function crashRate(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!(value >= 0 && value <= 1)) {
    console.error(`error: KP_FAULT_CONSUMER_CRASH_RATE=${raw} is not a number from 0 to 1`);
    process.exit(2);
  }
  return value;
}

const pollIntervalMs = pollInterval(values['poll-interval']);
const stageParams = params(values.param);
const localDir = resolve(process.env.KP_LOCAL_DIR || '.local');
const endpointsFile = join(localDir, 'endpoints.json');
const started = Date.now();
const runtime = await start({
  dataDir: join(localDir, 'data'),
  endpointsFile,
  fresh: values.fresh,
  verbose: values.verbose,
  pollIntervalMs,
  shardLimits: values['shard-limits'],
  kinesisDurability: values['kinesis-fsync'] ? 'fsync' : 'os',
  params: stageParams,
  extraResources: extraResources(process.env.KP_EXTRA_RESOURCES),
  functionEndpoints: functionEndpoints(process.env.KP_FUNCTION_ENDPOINTS),
  consumerCrashRate: crashRate(process.env.KP_FAULT_CONSUMER_CRASH_RATE),
  ports: {
    http: port('KP_HTTP_PORT', DEFAULT_PORTS.http),
    kinesis: port('KP_KINESIS_PORT', DEFAULT_PORTS.kinesis),
    dynamodb: port('KP_DYNAMODB_PORT', DEFAULT_PORTS.dynamodb),
    s3: port('KP_S3_PORT', DEFAULT_PORTS.s3),
    sns: port('KP_SNS_PORT', DEFAULT_PORTS.sns),
    lambda: port('KP_LAMBDA_PORT', DEFAULT_PORTS.lambda),
  },
}).catch((error: unknown) => {
  console.error(`error: the local pipeline did not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

const { endpoints } = runtime;
/** `archive enhanced fan-out (pushed), aggregate shared throughput (polled)`: how each mapping reads (the *StreamReads params). */
const consumerReads = runtime.app.eventSourceMappings
  .map((mapping) => {
    const fn = runtime.app.functions.find((candidate) => candidate.logicalId === mapping.functionLogicalId);
    const name = fn?.name.replace(`kinesis-pipeline-${runtime.app.stage}-`, '') ?? mapping.logicalId;
    const reads =
      mapping.consumerLogicalId === undefined ? 'shared throughput (GetRecords, polled)' : 'enhanced fan-out (pushed)';
    return `${name} ${reads}`;
  })
  .join(', ');
console.log(`
kinesis-pipeline is running locally (started in ${((Date.now() - started) / 1000).toFixed(1)} s)

  Dashboard  ${endpoints.httpApi}/#token=${endpoints.token}
  HTTP API   ${endpoints.httpApi}        POST /events, GET /aggregates, GET /alerts
  Kinesis    ${endpoints.kinesis}        stream ${endpoints.streamName}
  Consumers  ${consumerReads}
  DynamoDB   ${endpoints.dynamodb}        ${Object.values(endpoints.tables).join(', ')}
  S3         ${endpoints.s3}        ${Object.values(endpoints.buckets).join(', ') || '(no buckets)'}
  SNS        ${endpoints.sns}        messages published land in ${endpoints.snsSinkDir}/<topic>.ndjson
  Lambda     ${endpoints.lambda}        Invoke API (npm run redrive / replay), functions by name or ARN
  region     ${endpoints.region}     (any AWS tool works with dummy credentials)

  dev token  ${endpoints.token}

  curl -X POST ${endpoints.httpApi}/events -H 'Authorization: Bearer ${endpoints.token}' \\
       -H 'Content-Type: application/json' -d '{"type":"page_view","source":"web-frontend","value":1}'

Endpoints written to ${endpointsFile}. Ctrl-C stops.
`);

/**
 * One Ctrl-C can arrive twice: the terminal signals the whole process group, and our parent (npm,
 * or tsx when run through it) relays the signal to us as well. A repeat this
 * soon is that echo, not the user pressing Ctrl-C again.
 */
const SAME_SIGNAL_MS = 1_000;

let stoppingSince: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < SAME_SIGNAL_MS) return;
      // A second Ctrl-C means "now": a stop can hang on a batch whose function never returns. The
      // exit code is the shell's for death by that signal (130 for SIGINT).
      console.error(`\n${signal} again: exiting without waiting for the stop to finish`);
      process.exit(128 + constants.signals[signal]);
    }
    stoppingSince = Date.now();
    console.log('\nstopping: letting in-flight batches finish, saving checkpoints ... (Ctrl-C again to exit at once)');
    runtime.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
