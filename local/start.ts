import './quietSdkNodeWarning.ts';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { failWith, parseCommandLine, usageError } from '../cli/commandLine.ts';
import { DEFAULT_PORTS, type LocalRuntime, start } from './runtime.ts';
import { stageParamNames } from './startCommand.ts';

/**
 * `npm start`: the whole pipeline on this machine. USAGE below is its reference (`npm start -- --help`):
 * every flag and every KP_* variable it reads. Bad usage (an unknown flag, a malformed value, an
 * unknown --param) prints one `error:` line and the usage and exits 2 before the template is packaged
 * or anything is started (the launcher has compiled the handlers by then); a start or stop that
 * fails prints one `error:` line and exits 1. Ctrl-C stops cleanly and exits 0; a second Ctrl-C
 * during the stop exits at once with 130.
 */

/** The port variables: what each serves and its default (DEFAULT_PORTS). */
const PORT_VARIABLES = [
  { variable: 'KP_HTTP_PORT', port: 'http', serves: 'the HTTP API and the dashboard' },
  { variable: 'KP_KINESIS_PORT', port: 'kinesis', serves: 'Kinesis, HTTP/1.1 and HTTP/2' },
  { variable: 'KP_DYNAMODB_PORT', port: 'dynamodb', serves: 'DynamoDB' },
  { variable: 'KP_S3_PORT', port: 's3', serves: 'S3, path-style' },
  { variable: 'KP_SNS_PORT', port: 'sns', serves: 'SNS, Query protocol' },
  { variable: 'KP_LAMBDA_PORT', port: 'lambda', serves: 'the Lambda Invoke API, for npm run redrive and replay' },
] as const;

/** setTimeout's limit: a longer delay fires at once, which would turn polling into a busy loop. */
const MAX_POLL_INTERVAL_MS = 2_147_483_647;

const USAGE = `usage: npm start [-- [--fresh] [--verbose] [--poll-interval <ms>] [--param <name=value> ...]
                    [--shard-limits] [--kinesis-fsync] [--help]]
Runs the whole pipeline on this machine (README, "Running locally"): packages the template with
serverless package --stage local (cached), starts the local Kinesis, DynamoDB, S3, SNS and Lambda
endpoints, the functions, their event source mappings and schedules and the HTTP API, writes the
endpoints to $KP_LOCAL_DIR/endpoints.json and prints them with a dev token.
  --fresh               start from empty data: everything in $KP_LOCAL_DIR/data is removed first
                        (refused while another npm start uses it)
  --verbose             print the handlers' logs (Powertools JSON) and EMF metrics too
  --poll-interval <ms>  how often standard (polling) event source mappings call GetRecords, whole ms
                        from 1 to ${MAX_POLL_INTERVAL_MS} (default 1000, as Lambda); the template's consumers read
                        with enhanced fan-out (pushed) unless a *StreamReads param is shared
  --param <name=value>  override a param of serverless.yml's params for the local stage, as
                        serverless deploy --param does (repeatable; the last value of a name wins)
  --shard-limits        the local Kinesis throttles beyond AWS's per-shard limits
                        (ProvisionedThroughputExceededException), as a provisioned stream does
  --kinesis-fsync       the local Kinesis acknowledges a write once it is on the disk (survives a power
                        cut, not only a crash of this process)
  --help                this text
Environment variables:
${PORT_VARIABLES.map(({ variable, port, serves }) => `  ${variable.padEnd(32)}port of ${serves} (default ${DEFAULT_PORTS[port]})`).join('\n')}
                                  every port listens on 127.0.0.1 only; 0 picks a free port
  KP_LOCAL_DIR                    folder of data/ (the emulators' data, checkpoints, the dev token) and
                                  endpoints.json (default .local)
  KP_EXTRA_RESOURCES              a JSON file of CloudFormation resources added to the local template
                                  (a debugging consumer, say), serverless.yml untouched
  KP_FUNCTION_ENDPOINTS           endpoints the functions use instead of the emulators', as JSON
                                  {"kinesis"|"dynamodb"|"s3"|"sns": "<url>"} (fault injection: a failing proxy)
  KP_FAULT_CONSUMER_CRASH_RATE    share of consumer invocations, 0 to 1, that crash after doing their
                                  work (fault injection)
  KP_RUNTIME_BUILD                set by npm start itself (local/launch.mjs): where its compiled handlers are
Ctrl-C stops cleanly (in-flight batches finish, checkpoints are saved) and exits 0; a second Ctrl-C
during the stop exits at once (130). Exit code 2 on bad usage, 1 when the pipeline fails to start or stop.`;

const { values } = parseCommandLine(
  {
    options: {
      fresh: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      'poll-interval': { type: 'string' },
      'shard-limits': { type: 'boolean', default: false },
      'kinesis-fsync': { type: 'boolean', default: false },
      param: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  },
  USAGE,
);

const usage: (message: string) => never = (message) => usageError(message, USAGE);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function port(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 0 && value <= 65_535))
    usage(`${variable}=${raw} is not a port number (0 to 65535; 0 picks a free port)`);
  return value;
}

function pollInterval(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= MAX_POLL_INTERVAL_MS)) {
    usage(`--poll-interval ${raw} is not a whole number of milliseconds from 1 to ${MAX_POLL_INTERVAL_MS}`);
  }
  return value;
}

function extraResources(file: string | undefined): Record<string, unknown> | undefined {
  if (!file) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    return usage(`KP_EXTRA_RESOURCES=${file}: ${messageOf(error)}`);
  }
}

/** KP_FUNCTION_ENDPOINTS: a JSON object of endpoints the functions use instead of the emulators' (fault-injection proxies). */
function functionEndpoints(raw: string | undefined): Record<string, string> | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Record<string, string>;
  } catch (error) {
    return usage(`KP_FUNCTION_ENDPOINTS is not JSON: ${messageOf(error)}`);
  }
}

/**
 * --param name=value, repeatable; a name given twice keeps its last value. A name that is not a
 * param of the local stage is refused: `serverless package` would take it without a word and the
 * pipeline would start as if it had not been given.
 */
async function params(raw: readonly string[]): Promise<Record<string, string> | undefined> {
  if (raw.length === 0) return undefined;
  const entries = raw.map((param) => {
    const match = /^([A-Za-z][\w-]*)=(.*)$/s.exec(param);
    if (!match) return usage(`--param ${param} is not name=value`);
    return [match[1] as string, match[2] as string] as const;
  });
  const known = await stageParamNames('local').catch((error: unknown) =>
    failWith(`could not read the params of serverless.yml: ${messageOf(error)}`),
  );
  const [unknown] = entries.find(([name]) => known !== undefined && !known.includes(name)) ?? [];
  if (known !== undefined && unknown !== undefined) {
    const near = closest(unknown, known);
    usage(
      `--param ${unknown}: not a param of the local stage (serverless.yml, params.default and params.local)${near ? `; did you mean ${near}?` : ''}`,
    );
  }
  return Object.fromEntries(entries);
}

/** The name `name` most likely misspells: the same but for case, or at most 2 edits away. */
function closest(name: string, names: readonly string[]): string | undefined {
  const sameCase = names.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (sameCase) return sameCase;
  const ranked = names.map((candidate) => ({ candidate, distance: editDistance(name, candidate) }));
  const best = ranked.sort((a, b) => a.distance - b.distance)[0];
  return best && best.distance <= 2 ? best.candidate : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** KP_FAULT_CONSUMER_CRASH_RATE: a share from 0 to 1. */
function crashRate(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!(value >= 0 && value <= 1)) usage(`KP_FAULT_CONSUMER_CRASH_RATE=${raw} is not a number from 0 to 1`);
  return value;
}

/**
 * Why the start failed, on one line where it can be: a port already taken names the variable that
 * moves it. (A failed `serverless package` keeps the end of its output, on the lines after.)
 */
function startFailure(error: unknown, ports: Readonly<Record<string, number>>): string {
  let taken: number | undefined;
  for (let cause: unknown = error; cause instanceof Error && taken === undefined; cause = cause.cause) {
    const { code, port: used } = cause as { code?: unknown; port?: unknown };
    if (code === 'EADDRINUSE' && typeof used === 'number') taken = used;
  }
  const message = messageOf(error);
  const variable = PORT_VARIABLES.find(({ port: name }) => ports[name] === taken)?.variable;
  if (taken === undefined || variable === undefined) return message;
  return `${message}: port ${taken} is in use (another npm start?); set ${variable} to another port, or to 0 for a free one`;
}

const pollIntervalMs = pollInterval(values['poll-interval']);
const ports = Object.fromEntries(
  PORT_VARIABLES.map(({ variable, port: name }) => [name, port(variable, DEFAULT_PORTS[name])]),
) as Record<(typeof PORT_VARIABLES)[number]['port'], number>;
const extra = extraResources(process.env.KP_EXTRA_RESOURCES);
const endpointsOverride = functionEndpoints(process.env.KP_FUNCTION_ENDPOINTS);
const consumerCrashRate = crashRate(process.env.KP_FAULT_CONSUMER_CRASH_RATE);
const stageParams = await params(values.param);
const localDir = resolve(process.env.KP_LOCAL_DIR || '.local');
const endpointsFile = join(localDir, 'endpoints.json');
/**
 * One Ctrl-C can arrive twice: the terminal signals the whole process group, and our parent (npm,
 * or tsx when run through it) relays the signal to us as well. A repeat this
 * soon is that echo, not the user pressing Ctrl-C again.
 */
const SAME_SIGNAL_MS = 1_000;

/** The running pipeline, once start() has returned; a Ctrl-C before that stops it as soon as it has. */
let running: LocalRuntime | undefined;
let stoppingSince: number | undefined;

function stopAndExit(runtime: LocalRuntime): void {
  runtime.stop().then(
    () => {
      console.log(`stopped: in-flight batches finished, checkpoints saved, data kept in ${join(localDir, 'data')}`);
      process.exit(0);
    },
    (error: unknown) => failWith(`the local pipeline did not stop cleanly: ${messageOf(error)}`),
  );
}

// Installed before the start, so that no Ctrl-C (endpoints.json is written within start()) meets
// Node.js's default handler, which would kill the process without a stop.
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
    if (running) stopAndExit(running);
  });
}

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
  extraResources: extra,
  functionEndpoints: endpointsOverride,
  consumerCrashRate,
  ports,
}).catch((error: unknown) => failWith(`the local pipeline did not start: ${startFailure(error, ports)}`));
running = runtime;
// A Ctrl-C during the start: stop now, with no banner for a pipeline about to go.
if (stoppingSince !== undefined) stopAndExit(runtime);
else printBanner(runtime);

/** What `npm start` prints once the pipeline runs: every endpoint, the dev token, a first request. */
function printBanner(runtime: LocalRuntime): void {
  const { endpoints } = runtime;
  /** `archive enhanced fan-out (pushed), aggregate shared throughput (polled)`: how each mapping reads (the *StreamReads params). */
  const consumerReads = runtime.app.eventSourceMappings
    .map((mapping) => {
      const fn = runtime.app.functions.find((candidate) => candidate.logicalId === mapping.functionLogicalId);
      const name = fn?.name.replace(`kinesis-pipeline-${runtime.app.stage}-`, '') ?? mapping.logicalId;
      const reads =
        mapping.consumerLogicalId === undefined
          ? 'shared throughput (GetRecords, polled)'
          : 'enhanced fan-out (pushed)';
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
}
