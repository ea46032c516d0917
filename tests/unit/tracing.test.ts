import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { afterEach, describe, expect, it } from 'vitest';
import { tracingEnabled } from '../../shared/observability/powertools.ts';

const powertoolsModule = fileURLToPath(new URL('../../shared/observability/powertools.ts', import.meta.url));
const KEYS = ['AWS_EXECUTION_ENV', 'AWS_SAM_LOCAL', 'POWERTOOLS_TRACE_ENABLED'] as const;
const LAMBDA = 'AWS_Lambda_nodejs22.x';

/** Environments Tracer decides on (Lambda or not, SAM local, Amplify's mock, the switch either way), and its answer. */
const environments: [Partial<Record<(typeof KEYS)[number], string>>, boolean][] = [
  [{}, false],
  [{ AWS_EXECUTION_ENV: LAMBDA }, true],
  [{ AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACE_ENABLED: 'false' }, false],
  [{ AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACE_ENABLED: 'FALSE' }, false],
  [{ AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACE_ENABLED: 'true' }, true],
  [{ POWERTOOLS_TRACE_ENABLED: 'true' }, false],
  [{ AWS_EXECUTION_ENV: '' }, false],
  [{ AWS_EXECUTION_ENV: 'AWS_Lambda_amplify-mock' }, false],
  [{ AWS_EXECUTION_ENV: LAMBDA, AWS_SAM_LOCAL: 'true' }, false],
];

/** Imports powertools.ts in a fresh process: whether it made a Tracer, and whether the X-Ray SDK got loaded. */
function importPowertools(env: Record<string, string>): Promise<{ active: boolean; xray: boolean }> {
  const script = `const m = await import(${JSON.stringify(powertoolsModule)});
const { createRequire } = await import('node:module');
const loaded = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify({ active: m.activeTracer !== undefined, xray: loaded.some((path) => path.includes('aws-xray-sdk-core')) }));`;
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !(KEYS as readonly string[]).includes(key)),
  );
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { env: { ...base, POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false', ...env } },
      (error, stdout, stderr) => (error ? reject(new Error(stderr, { cause: error })) : resolve(JSON.parse(stdout))),
    );
  });
}

describe('tracing only where Tracer traces', () => {
  const saved = Object.fromEntries(KEYS.map((key) => [key, process.env[key]]));
  afterEach(() => {
    for (const key of KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it.each(environments)('decides as Powertools Tracer does in %o: %s', (env, expected) => {
    for (const key of KEYS) delete process.env[key];
    Object.assign(process.env, env);
    // Without HTTP capture, a Tracer with tracing on patches nothing in this process.
    const tracer = new Tracer({ captureHTTPsRequests: false });
    expect(tracer.isTracingEnabled()).toBe(expected);
    expect(tracingEnabled(process.env)).toBe(expected);
  });

  it('loads the X-Ray SDK in a Lambda execution environment, and not elsewhere', async () => {
    expect(await importPowertools({ AWS_EXECUTION_ENV: LAMBDA })).toEqual({ active: true, xray: true });
    expect(await importPowertools({})).toEqual({ active: false, xray: false });
    expect(await importPowertools({ AWS_EXECUTION_ENV: LAMBDA, POWERTOOLS_TRACE_ENABLED: 'false' })).toEqual({
      active: false,
      xray: false,
    });
  });
});
