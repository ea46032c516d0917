import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { runServerlessPackage } from '../local/app/runServerless.ts';
import { readServiceInputs, writeServiceInputs } from '../local/app/serviceInputs.ts';
import { PROJECT_ROOT } from '../local/projectRoot.ts';
import { machineDescription } from './machine.ts';
import { percentiles } from './stats.ts';

/**
 * Cold start: how long each packaged function takes to load before it can serve its first
 * request, for the build of an earlier commit (the baseline) and for the working tree, measured
 * side by side in one run.
 *
 * Both sides are built the way a deploy builds them: `serverless package --stage ci` (serverless.yml's
 * `custom.esbuild` options and esbuild plugins, serverless-esbuild, the installed node_modules),
 * each in a service folder of its own under .local/bench/ (the baseline's from `git archive` of
 * BASELINE_COMMIT, the current one from the working tree's service files), so a change of either
 * build options or code shows, and nothing in the repository's own .serverless/ or .esbuild/ is
 * touched. Each function's zip is read back and unpacked into a task root of its own.
 *
 * One measurement is a fresh `node` (this machine's) that `import()`s the function's handler
 * module, as the Lambda Node.js runtime does at INIT, and checks that the handler export is a
 * function; the time is that `import()` (module read, compiled and evaluated, its module-level code
 * run: configuration, clients, middleware). The process has the environment Lambda would give it:
 * the function's variables from the compiled template (a `Ref` becomes a plausible name, or an ARN
 * for a topic), its NODE_OPTIONS if the template sets any, and Lambda's own (AWS_EXECUTION_ENV, the
 * function name and memory, LAMBDA_TASK_ROOT, _HANDLER, the role's credentials as dummies, the X-Ray
 * variables where tracing is Active), so Powertools Tracer is enabled exactly where it would be on
 * AWS. Runs are interleaved (every function and variant once per round, the variant order rotating)
 * so drifts of the machine hit all alike; the figure is the median of the rounds.
 */

/** The commit before the cold-start work (issue 11): unminified bundles with zod whole and 4 MB maps. */
export const BASELINE_COMMIT = '43f2f7752c9707fb652cba60d1f4c3b055d8621f';
/** Rounds per function and variant; odd, so the median is one measurement. */
export const COLD_START_ROUNDS = 7;
/** The issue's target: every function at least 40% below the baseline. */
export const TARGET_RATIO = 0.6;

const SERVERLESS_BIN = join(PROJECT_ROOT, 'node_modules', '.bin', 'serverless');
const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';
const STAGE = 'ci';
const REGION = 'us-east-1';
const PACKAGE_TIMEOUT_MS = 180_000;

/**
 * The probe a fresh process runs (an ES module from `-e`): argv[1] is the handler module's file
 * URL, argv[2] the export. It prints the `import()` time and the time since the process started.
 */
const PROBE = `
const started = performance.now();
const loaded = await import(process.argv[1]);
const ready = performance.now();
if (typeof loaded[process.argv[2]] !== 'function') throw new Error('no handler function ' + process.argv[2] + ' in ' + process.argv[1]);
process.stdout.write(JSON.stringify({ importMs: ready - started, readyMs: ready }));
`;

interface CfnFunction {
  Type: string;
  Properties: {
    FunctionName?: unknown;
    Handler: string;
    Runtime: string;
    MemorySize?: number;
    TracingConfig?: { Mode?: string };
    Code: { S3Key: string };
    Environment?: { Variables?: Record<string, unknown> };
  };
}

interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** One function of one build, unpacked and ready to load. */
export interface PackagedFunction {
  /** The function's key in serverless.yml (its zip's name): `ingest`, `alertSweep`. */
  name: string;
  /** The handler module inside the unpacked zip. */
  modulePath: string;
  exportName: string;
  /** What Lambda would set, the template's variables included (see {@link lambdaEnvironment}). */
  environment: Record<string, string>;
  tracing: boolean;
  bundleBytes: number;
  mapBytes: number;
  zipBytes: number;
}

/** How a function is started for one column of the table. */
export interface Variant {
  key: string;
  label: string;
  build: 'baseline' | 'current';
  /** The function's environment for this column, from the one Lambda would give it. */
  environment?: (environment: Record<string, string>) => Record<string, string>;
}

export interface FunctionFigures {
  name: string;
  tracing: boolean;
  baseline: Pick<PackagedFunction, 'bundleBytes' | 'mapBytes' | 'zipBytes'> & { nodeOptions: string };
  current: Pick<PackagedFunction, 'bundleBytes' | 'mapBytes' | 'zipBytes'> & { nodeOptions: string };
  /** Median `import()` ms and median time from process start to the handler, per variant key. */
  importMs: Record<string, number>;
  readyMs: Record<string, number>;
}

export interface ColdStartResult {
  baselineCommit: string;
  rounds: number;
  variants: Variant[];
  functions: FunctionFigures[];
  machine: string;
}

/** The columns: the baseline as deployed today, the current build, and two what-ifs of it. */
export const VARIANTS: readonly Variant[] = [
  { key: 'baseline', label: 'baseline', build: 'baseline' },
  { key: 'current', label: 'current', build: 'current' },
  {
    key: 'sourceMaps',
    label: 'current + --enable-source-maps',
    build: 'current',
    environment: (env) => ({ ...env, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --enable-source-maps`.trim() }),
  },
  {
    key: 'untraced',
    label: 'current, tracing off',
    build: 'current',
    environment: (env) => ({ ...env, POWERTOOLS_TRACE_ENABLED: 'false' }),
  },
];

/**
 * Packages the baseline commit and the working tree, then measures every function's init in
 * every variant, `rounds` times each.
 *
 * @example
 * const result = await benchColdStart({ progress: console.error });
 * console.log(coldStartSection(result));
 */
export async function benchColdStart(
  options: { baselineCommit?: string; rounds?: number; progress?: (line: string) => void } = {},
): Promise<ColdStartResult> {
  const baselineCommit = options.baselineCommit ?? BASELINE_COMMIT;
  const rounds = options.rounds ?? COLD_START_ROUNDS;
  const progress = options.progress ?? (() => undefined);
  const benchDir = join(PROJECT_ROOT, '.local', 'bench');
  await mkdir(benchDir, { recursive: true });
  const workDir = await mkdtemp(join(benchDir, 'cold-start-'));
  try {
    progress(`cold start: serverless package --stage ${STAGE} of ${baselineCommit.slice(0, 10)} (baseline) ...`);
    const baselineDir = join(workDir, 'baseline');
    await exportCommit(baselineCommit, baselineDir);
    const baseline = await packageFunctions(baselineDir);
    progress(`cold start: serverless package --stage ${STAGE} of the working tree ...`);
    const currentDir = join(workDir, 'current');
    await writeServiceInputs(await readServiceInputs(PROJECT_ROOT), currentDir);
    const current = await packageFunctions(currentDir);

    const names = baseline.map((fn) => fn.name).filter((name) => current.some((fn) => fn.name === name));
    const builds = { baseline, current };
    const samples = new Map<string, { importMs: number[]; readyMs: number[] }>();
    progress(`cold start: ${names.length} functions x ${VARIANTS.length} variants x ${rounds} fresh processes ...`);
    for (let round = 0; round < rounds; round++) {
      for (const name of names) {
        for (let i = 0; i < VARIANTS.length; i++) {
          const variant = VARIANTS[(i + round) % VARIANTS.length] as Variant;
          const fn = builds[variant.build].find((candidate) => candidate.name === name) as PackagedFunction;
          const environment = variant.environment ? variant.environment(fn.environment) : fn.environment;
          const measured = await measureInit(fn, environment);
          const key = `${name}\0${variant.key}`;
          const entry = samples.get(key) ?? { importMs: [], readyMs: [] };
          entry.importMs.push(measured.importMs);
          entry.readyMs.push(measured.readyMs);
          samples.set(key, entry);
        }
      }
    }
    const functions = names.map((name): FunctionFigures => {
      const before = baseline.find((fn) => fn.name === name) as PackagedFunction;
      const after = current.find((fn) => fn.name === name) as PackagedFunction;
      const median = (key: string, of: 'importMs' | 'readyMs') =>
        percentiles(samples.get(`${name}\0${key}`)?.[of] ?? []).p50;
      return {
        name,
        tracing: after.tracing,
        baseline: { ...sizes(before), nodeOptions: before.environment.NODE_OPTIONS ?? '' },
        current: { ...sizes(after), nodeOptions: after.environment.NODE_OPTIONS ?? '' },
        importMs: Object.fromEntries(VARIANTS.map((v) => [v.key, median(v.key, 'importMs')])),
        readyMs: Object.fromEntries(VARIANTS.map((v) => [v.key, median(v.key, 'readyMs')])),
      };
    });
    return { baselineCommit, rounds, variants: [...VARIANTS], functions, machine: machineDescription() };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

const sizes = (fn: PackagedFunction) => ({ bundleBytes: fn.bundleBytes, mapBytes: fn.mapBytes, zipBytes: fn.zipBytes });

/**
 * `git archive` of `commit` unpacked into `dir` (the repository's git history must hold it): the
 * tree of a baseline commit, to build or run beside the working tree.
 *
 * @example
 * await exportCommit(BASELINE_COMMIT, join(PROJECT_ROOT, '.local', 'bench', 'baseline'));
 */
export async function exportCommit(commit: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    execFile('git', ['-C', PROJECT_ROOT, 'cat-file', '-e', `${commit}^{commit}`], (error) =>
      error ? reject(new Error(`the baseline commit ${commit} is not in this clone's history`)) : resolve(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    const archive = spawn('git', ['-C', PROJECT_ROOT, 'archive', '--format=tar', commit], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const untar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'inherit', 'inherit'] });
    archive.stdout.pipe(untar.stdin);
    let pending = 2;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0) reject(new Error(`${what} of ${commit} exited with ${code}`));
      else if (--pending === 0) resolve();
    };
    archive.on('error', reject).on('close', done('git archive'));
    untar.on('error', reject).on('close', done('tar -x'));
  });
}

/**
 * `serverless package --stage ci` in `serviceDir` (a service folder inside this repository, for its
 * node_modules), then every function's zip unpacked into `<serviceDir>/.task/<function>/`, as
 * Lambda unpacks it into /var/task.
 *
 * @example
 * const functions = await packageFunctions(join(PROJECT_ROOT, '.local', 'bench', 'copy'));
 */
export async function packageFunctions(serviceDir: string): Promise<PackagedFunction[]> {
  const packageDir = join(serviceDir, '.package');
  await runServerlessPackage({
    bin: SERVERLESS_BIN,
    serviceDir,
    packageDir,
    stage: STAGE,
    timeoutMs: PACKAGE_TIMEOUT_MS,
  });
  const template = JSON.parse(await readFile(join(packageDir, TEMPLATE_FILE), 'utf8')) as CfnTemplate;
  const functions: PackagedFunction[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const { Properties: props } = resource as CfnFunction;
    const zipName = basename(props.Code.S3Key);
    const name = zipName.replace(/\.zip$/, '');
    const zip = await readFile(join(packageDir, zipName));
    const taskRoot = join(serviceDir, '.task', name);
    const entries = readZipEntries(zip);
    for (const [path, content] of entries) {
      const target = join(taskRoot, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    const exportAt = props.Handler.lastIndexOf('.');
    const moduleBase = props.Handler.slice(0, exportAt);
    const moduleName = ['.mjs', '.js', '.cjs'].map((ext) => moduleBase + ext).find((path) => entries.has(path));
    if (moduleName === undefined) throw new Error(`cold start: ${zipName} has no module for handler ${props.Handler}`);
    const modulePath = join(taskRoot, ...moduleName.split('/'));
    const tracing = props.TracingConfig?.Mode === 'Active';
    functions.push({
      name,
      modulePath,
      exportName: props.Handler.slice(exportAt + 1),
      environment: lambdaEnvironment({
        functionName: typeof props.FunctionName === 'string' ? props.FunctionName : logicalId,
        handler: props.Handler,
        runtime: props.Runtime,
        memoryMb: props.MemorySize ?? 1024,
        tracing,
        taskRoot,
        variables: Object.fromEntries(
          Object.entries(props.Environment?.Variables ?? {}).map(([key, value]) => [
            key,
            plausibleValue(value, template),
          ]),
        ),
      }),
      tracing,
      bundleBytes: (await stat(modulePath)).size,
      mapBytes: (await stat(`${modulePath}.map`).catch(() => undefined))?.size ?? 0,
      zipBytes: zip.length,
    });
  }
  return functions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * A function's process environment as Lambda sets it up at INIT, for a run on this machine: the
 * template's variables, then Lambda's own. The role's credentials are dummies (nothing is called);
 * the X-Ray variables are set where tracing is Active. AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
 * silences the SDK's warning about this machine's Node.js 20, which Lambda's 22 does not print.
 *
 * @example
 * lambdaEnvironment({ functionName: 'kinesis-pipeline-ci-ingest', handler: 'functions/ingest/handler.handler', runtime: 'nodejs22.x', memoryMb: 512, tracing: true, taskRoot: '/tmp/task', variables: { STREAM_NAME: 'stream' } });
 */
export function lambdaEnvironment(fn: {
  functionName: string;
  handler: string;
  runtime: string;
  memoryMb: number;
  tracing: boolean;
  taskRoot: string;
  variables: Record<string, string>;
}): Record<string, string> {
  return {
    ...fn.variables,
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]00000000000000000000000000000000',
    LAMBDA_TASK_ROOT: fn.taskRoot,
    _HANDLER: fn.handler,
    AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEEXAMPLE00',
    AWS_SECRET_ACCESS_KEY: 'example-secret-access-key',
    AWS_SESSION_TOKEN: 'example-session-token',
    ...(fn.tracing ? { AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR', AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000' } : {}),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/**
 * A template environment value as the function would see it: literals as they are; a `Ref` to a
 * resource as a name from its properties (TableName, BucketName, Name, TopicName) or its logical
 * id, and a topic as an ARN (what Ref gives for one); anything else as a placeholder.
 *
 * @example
 * plausibleValue({ Ref: 'AlertTopic' }, { Resources: { AlertTopic: { Type: 'AWS::SNS::Topic' } } }); // 'arn:aws:sns:us-east-1:123456789012:AlertTopic'
 */
export function plausibleValue(value: unknown, template: CfnTemplate): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  const ref = (value as { Ref?: unknown } | null)?.Ref;
  if (typeof ref === 'string') {
    const resource = template.Resources[ref];
    if (resource?.Type === 'AWS::SNS::Topic') return `arn:aws:sns:${REGION}:123456789012:${ref}`;
    const props = resource?.Properties ?? {};
    const named = ['TableName', 'BucketName', 'Name', 'TopicName']
      .map((key) => props[key])
      .find((v) => typeof v === 'string');
    return typeof named === 'string' ? named : ref;
  }
  return 'placeholder';
}

/** One fresh `node` importing the function's handler module. */
function measureInit(
  fn: PackagedFunction,
  environment: Record<string, string>,
): Promise<{ importMs: number; readyMs: number }> {
  const moduleUrl = pathToFileURL(fn.modulePath).href;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', PROBE, moduleUrl, fn.exportName],
      { env: environment, cwd: dirname(fn.modulePath), timeout: 30_000, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`cold start: ${fn.name} failed to load:\n${stderr}`, { cause: error }));
        try {
          const figures = JSON.parse(stdout.slice(stdout.lastIndexOf('{'))) as { importMs: number; readyMs: number };
          resolve(figures);
        } catch (parseError) {
          reject(new Error(`cold start: ${fn.name} printed no figures:\n${stdout}\n${stderr}`, { cause: parseError }));
        }
      },
    );
  });
}

/**
 * The entries of a zip archive (stored or deflated, no ZIP64: what serverless-esbuild writes), by
 * path. Throws on anything else rather than guessing.
 *
 * @example
 * readZipEntries(await readFile('.serverless/ingest.zip')).get('functions/ingest/handler.mjs');
 */
export function readZipEntries(zip: Buffer): Map<string, Buffer> {
  const END = 0x06054b50;
  let end = -1;
  // The end-of-central-directory record is at least 22 bytes, followed by a comment of up to 64 KiB.
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === END) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  if (at === 0xffffffff || count === 0xffff) throw new Error('ZIP64 archives are not supported');
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`zip: bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (zip.readUInt32LE(localHeader) !== 0x04034b50) throw new Error(`zip: bad local header for ${name}`);
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    const content = method === 0 ? Buffer.from(data) : method === 8 ? inflateRawSync(data) : undefined;
    if (content === undefined) throw new Error(`zip: ${name} uses compression method ${method}`);
    if (content.length !== size) throw new Error(`zip: ${name} is ${content.length} bytes, its entry says ${size}`);
    entries.set(name, content);
  }
  return entries;
}

const ms = (value: number | undefined) => (value === undefined ? '-' : Math.round(value).toLocaleString('en-US'));
const kb = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`;

/** The BENCHMARKS.md section of a cold-start run. */
export function coldStartSection(result: ColdStartResult): string {
  const rows = result.functions.map((fn) => {
    const ratio = (key: string) => ((fn.importMs[key] ?? Number.NaN) / (fn.importMs.baseline ?? Number.NaN)).toFixed(2);
    const met = (fn.importMs.current ?? Number.POSITIVE_INFINITY) <= TARGET_RATIO * (fn.importMs.baseline ?? 0);
    return `| ${fn.name} | ${kb(fn.baseline.bundleBytes)} → ${kb(fn.current.bundleBytes)} | ${kb(fn.baseline.mapBytes)} → ${kb(fn.current.mapBytes)} | ${ms(fn.importMs.baseline)} | ${ms(fn.importMs.current)} | **${ratio('current')}** ${met ? 'met' : 'not met'} | ${ms(fn.importMs.sourceMaps)} (${ratio('sourceMaps')}) | ${ms(fn.importMs.untraced)} (${ratio('untraced')}) | ${ms(fn.readyMs.baseline)} → ${ms(fn.readyMs.current)} |`;
  });
  const total = (key: 'baseline' | 'current', fns: string[]) =>
    result.functions.filter((fn) => fns.includes(fn.name)).reduce((sum, fn) => sum + (fn.importMs[key] ?? 0), 0);
  const http = ['authorizer', 'ingest'];
  const met = result.functions.filter(
    (fn) => (fn.importMs.current ?? Number.POSITIVE_INFINITY) <= TARGET_RATIO * (fn.importMs.baseline ?? 0),
  );
  const nodeOptions = (side: 'baseline' | 'current') =>
    [...new Set(result.functions.map((fn) => fn[side].nodeOptions || 'none'))].join(', ');
  return `## Cold start: loading each function's handler

Every function packaged as a deploy packages it (\`serverless package --stage ${STAGE}\`, serverless-esbuild, the
installed node_modules) twice in this run: the baseline, commit ${result.baselineCommit.slice(0, 10)}${result.baselineCommit === BASELINE_COMMIT ? " (before this work: unminified, zod whole,\nsource maps with the sources' text, `NODE_OPTIONS=--enable-source-maps`)" : ''}, and the working tree. Each figure is the median
of ${result.rounds} fresh \`node\` processes (this machine's Node.js, not Lambda's 22) importing the handler module from the
unpacked zip, as the Lambda runtime does at INIT: the time of that \`import()\`, module-level code included
(configuration, AWS clients, middleware). Each process has the function's environment from the compiled
template (its NODE_OPTIONS: baseline ${nodeOptions('baseline')}, current ${nodeOptions('current')}) and Lambda's own variables, so
Tracer traces where the template's tracing is Active (${result.functions.filter((fn) => fn.tracing).length} of ${result.functions.length} functions). Rounds interleave every
function and variant. Sizes: the handler module and its map as unpacked from the zip.

| function | bundle | map | baseline ms | current ms | current / baseline (target ≤ ${TARGET_RATIO.toFixed(2)}) | with --enable-source-maps | tracing off | process start to handler, ms |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

**${met.length} of ${result.functions.length} functions at least ${Math.round((1 - TARGET_RATIO) * 100)}% below the baseline** (target: all). The HTTP path on a scale-out loads the authorizer,
then the ingest, in series: ${ms(total('baseline', http))} ms before, ${ms(total('current', http))} ms now.
"With --enable-source-maps": the current build with Node.js's own source-map support on, which reads and parses
each map as the module loads; the current build maps stack traces itself when one is first formatted
(shared/observability/sourceMaps.ts). "Tracing off": the current build with POWERTOOLS_TRACE_ENABLED=false,
where the X-Ray SDK is not loaded. "Process start to handler" adds Node.js's own start-up, the same for both.
`;
}
