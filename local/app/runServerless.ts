import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateBuildError } from './errors.ts';

export interface PackageRun {
  /** The `serverless` executable (node_modules/.bin/serverless). */
  bin: string;
  /** Working directory: the service folder holding serverless.yml. */
  serviceDir: string;
  packageDir: string;
  stage: string;
  /** More CLI options, e.g. `['--param', 'streamMode=PROVISIONED']`. */
  extraArgs?: readonly string[];
  /** Hard limit for the whole run. */
  timeoutMs: number;
}

/**
 * osls prints this line last in its error report. After a failed esbuild build it then stays alive
 * (esbuild's service keeps the event loop busy), so seeing it means the run is over either way.
 */
const ERROR_REPORT_END = /^Environment: .*osls/m;
/** Time left to exit on its own after the error report, before it is killed. */
const EXIT_GRACE_MS = 1_000;
const OUTPUT_TAIL_LINES = 40;

/**
 * Runs `serverless package --stage <stage> --package <packageDir>` without AWS credentials.
 * Rejects with a TemplateBuildError carrying the end of the output when it fails, when it reports an
 * error and hangs (killed after a second instead of waiting for the timeout), or when it exceeds
 * `timeoutMs`.
 *
 * @example
 * await runServerlessPackage({ bin, serviceDir: workDir, packageDir: join(workDir, 'package'), stage: 'local', timeoutMs: 60_000 });
 */
export function runServerlessPackage(run: PackageRun): Promise<void> {
  const args = ['package', '--stage', run.stage, ...(run.extraArgs ?? []), '--package', run.packageDir];
  return new Promise((resolve, reject) => {
    let reportedError = false;
    let stoppedAfterReport = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let stderrSoFar = '';
    const child = execFile(
      run.bin,
      args,
      {
        cwd: run.serviceDir,
        env: environmentWithoutAwsCredentials(),
        maxBuffer: 16 * 1024 * 1024,
        timeout: run.timeoutMs,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        clearTimeout(graceTimer);
        if (error === null) return resolve();
        const outcome = stoppedAfterReport
          ? 'reported an error and did not exit (osls stays alive after a failed esbuild build), so it was stopped'
          : error.killed
            ? `did not finish within ${run.timeoutMs / 1000} s and was killed`
            : `failed (exit code ${String(error.code)})`;
        const output = tail(`${stderr}\n${stdout}`);
        reject(new TemplateBuildError(`serverless ${args.join(' ')} ${outcome}:\n${output}`, { cause: error }));
      },
    );
    child.stderr?.on('data', (chunk: Buffer | string) => {
      if (reportedError) return;
      stderrSoFar += chunk.toString();
      if (!ERROR_REPORT_END.test(stderrSoFar)) return;
      reportedError = true;
      graceTimer = setTimeout(() => {
        stoppedAfterReport = true;
        child.kill('SIGKILL');
      }, EXIT_GRACE_MS);
    });
  });
}

/** The last lines of the output, without terminal colours, for an error message. */
function tail(output: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point.
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '').trim();
  return plain.split('\n').slice(-OUTPUT_TAIL_LINES).join('\n');
}

/**
 * Packaging must work without an AWS account: with credentials around, osls could look things up
 * in a real account. Shared files and instance metadata are the SDK's other credential sources.
 */
function environmentWithoutAwsCredentials(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
    delete env[name];
  }
  env.AWS_SHARED_CREDENTIALS_FILE = join(tmpdir(), 'kinesis-pipeline-no-credentials');
  env.AWS_CONFIG_FILE = join(tmpdir(), 'kinesis-pipeline-no-config');
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return env;
}
