import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PackagedFunction, packageFunctions } from '../../bench/coldStart.ts';
import { readServiceInputs, writeServiceInputs } from '../../local/app/serviceInputs.ts';
import { PROJECT_ROOT } from '../../local/projectRoot.ts';

// The bundles as deployed (serverless.yml's custom.esbuild): minified, a linked source map each,
// the credential providers Lambda never runs left out, every one loading in a Lambda-like process.
// Packaged in a copy of the service of its own (like the local runtime's template build), so this
// file runs alongside stack.test.ts without sharing its .esbuild and .serverless folders.

/** What serverless.yml's custom.esbuild.exclude leaves out of every bundle on purpose. */
const LEFT_OUT = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
];

/** Runs an ES module script in a fresh `node` with exactly `env`; resolves with its stdout. */
function runNode(script: string, args: string[], env: Record<string, string>, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, ...args],
      { env, cwd, timeout: 30_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${stderr}\n${stdout}`, { cause: error })) : resolve(stdout),
    );
  });
}

describe('function bundles, as packaged for stage ci', () => {
  let workDir: string;
  let functions: PackagedFunction[];
  const bundle = (fn: PackagedFunction) => readFile(fn.modulePath, 'utf8');

  beforeAll(async () => {
    const parent = join(PROJECT_ROOT, '.local', 'test');
    await mkdir(parent, { recursive: true });
    workDir = await mkdtemp(join(parent, 'bundles-'));
    await writeServiceInputs(await readServiceInputs(PROJECT_ROOT), workDir);
    functions = await packageFunctions(workDir);
  });

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('packages every function', () => {
    expect(functions.map((fn) => fn.name)).toEqual([
      'aggregate',
      'alert',
      'alertSweep',
      'archive',
      'authorizer',
      'dashboard',
      'ingest',
      'query',
    ]);
  });

  it('minifies every bundle', async () => {
    for (const fn of functions) {
      const code = await bundle(fn);
      // Unminified, the ingest bundle was 2.4 MB in 66,000 lines (36 bytes a line); minified, the
      // line breaks left are those inside template literals and legal comments.
      expect(code.length / code.split('\n').length, fn.name).toBeGreaterThan(1_000);
    }
  });

  it('links every bundle to its map, which holds positions and names but not the sources', async () => {
    for (const fn of functions) {
      const code = await bundle(fn);
      expect(code.trimEnd().endsWith(`//# sourceMappingURL=${basename(fn.modulePath)}.map`), fn.name).toBe(true);
      const map = JSON.parse(await readFile(`${fn.modulePath}.map`, 'utf8')) as {
        version: number;
        sources: string[];
        mappings: string;
        sourcesContent?: unknown;
      };
      expect(map.version, fn.name).toBe(3);
      expect(map.sourcesContent, fn.name).toBeUndefined();
      expect(map.mappings.length, fn.name).toBeGreaterThan(0);
      const handlerSource = fn.environment._HANDLER?.replace(/\.[^.]+$/, '.ts');
      expect(
        map.sources.some((source) => handlerSource && source.endsWith(handlerSource)),
        fn.name,
      ).toBe(true);
    }
  });

  it('sets no --enable-source-maps: Node.js would read every map at each cold start; the bundles map their own', () => {
    for (const fn of functions) expect(fn.environment.NODE_OPTIONS ?? '', fn.name).not.toContain('source-maps');
  });

  it('imports at run time only Node.js builtins and the credential providers left out on purpose', async () => {
    for (const fn of functions) {
      const dynamic = [...(await bundle(fn)).matchAll(/\bimport\("([^"]+)"\)/g)].map((match) => match[1] as string);
      const packages = [...new Set(dynamic.filter((specifier) => !isBuiltin(specifier)))].sort();
      expect(
        packages.every((specifier) => LEFT_OUT.includes(specifier)),
        `${fn.name}: ${packages.join(', ')}`,
      ).toBe(true);
    }
  });

  it("loads every handler in a fresh process with Lambda's environment, tracing on as the template says", async () => {
    const script = `const m = await import(process.argv[1]);
if (typeof m[process.argv[2]] !== 'function') throw new Error('no handler');
console.log('loaded');`;
    for (const fn of functions) {
      const url = pathToFileURL(fn.modulePath).href;
      const exportName = fn.environment._HANDLER?.split('.').pop() ?? 'handler';
      await expect(runNode(script, [url, exportName], fn.environment, workDir), fn.name).resolves.toContain('loaded');
    }
  });

  it('maps a stack trace thrown in a packaged bundle to the sources, without --enable-source-maps', async () => {
    const authorizer = functions.find((fn) => fn.name === 'authorizer') as PackagedFunction;
    // No Authorization header: the authorizer answers API Gateway by throwing "Unauthorized".
    const script = `const { handler } = await import(process.argv[1]);
const context = { functionName: 'authorizer', awsRequestId: 'request', getRemainingTimeInMillis: () => 5000 };
try {
  await handler({ type: 'REQUEST', headers: {}, requestContext: { requestId: 'request' } }, context);
  console.log('answered');
} catch (error) {
  console.log(error.stack);
}`;
    const stack = await runNode(
      script,
      [pathToFileURL(authorizer.modulePath).href],
      { ...authorizer.environment, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
      workDir,
    );
    const frames = stack.trim().split('\n');
    expect(frames[0]).toBe('Error: Unauthorized');
    expect(stack).not.toContain(basename(authorizer.modulePath));
    expect(frames.some((frame) => /\((?:.*\/)?(?:functions|shared)\/[\w/.-]+\.ts:\d+:\d+\)$/.test(frame))).toBe(true);
  });
});
