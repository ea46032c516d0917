import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../projectRoot.ts';
import { withoutUndefined } from '../withoutUndefined.ts';
import { runServerlessPackage } from './runServerless.ts';
import { hashServiceInputs, readServiceInputs, writeServiceInputs } from './serviceInputs.ts';

export interface BuildLocalTemplateOptions {
  /** Default 'local'. */
  stage?: string;
  /** Overrides of the stage's params (`serverless package --param name=value`), part of the cache key. */
  params?: Readonly<Record<string, string>>;
  /** Where built templates are kept, one folder per hash; relative to `rootDir`. Default '.local/build'. */
  cacheDir?: string;
  /**
   * The service (repository) root. Default: this repository. Another root must lie inside this
   * repository, so the build finds its node_modules.
   */
  rootDir?: string;
  /** Limit for one `serverless package` run. Default 60 s. */
  timeoutMs?: number;
  /** How many built templates to keep. Default 3. */
  keep?: number;
  log?: (line: string) => void;
}

export interface LocalTemplateBuild {
  template: object;
  /** The cached `cloudformation-template-update-stack.json`. */
  path: string;
  /** True when nothing the template depends on changed since it was built. */
  cached: boolean;
}

const SERVERLESS_BIN = join(PROJECT_ROOT, 'node_modules', '.bin', 'serverless');
const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';
const CACHE_ENTRY = /^[0-9a-f]{64}$/;
/** A build folder this old belongs to a process that died mid-build. */
const STALE_WORK_MS = 60 * 60 * 1000;
const defaults = Object.freeze({ stage: 'local', cacheDir: '.local/build', timeoutMs: 60_000, keep: 3 });

/**
 * The CloudFormation template of `serverless package --stage <stage>`, cached by a SHA-256 of what
 * shapes it (serverless.yml, package.json, package-lock.json and the files serverless.yml reads with
 * `${file(...)}`; see TEMPLATE_INPUTS): a restart with none of those changed reads the cached file
 * instead of packaging again, however much function code changed, since the local runtime runs the
 * sources and reads only the template's names, settings and wiring.
 *
 * Each build runs in its own copy of the service (`.local/build/work/<id>/`). osls writes its
 * output to `.serverless/` and serverless-esbuild to `.esbuild/` below the service folder, both
 * fixed names; in the repository itself a concurrent `serverless package` (the template tests)
 * would delete or overwrite them mid-build and this build could return the other stage's template.
 *
 * @example
 * const { template, cached } = await buildLocalTemplate({ log: console.log });
 * const app = readLocalApp(template, { region: 'us-east-1', stage: 'local' });
 */
export async function buildLocalTemplate(options: BuildLocalTemplateOptions = {}): Promise<LocalTemplateBuild> {
  const { stage, timeoutMs, keep } = { ...defaults, ...withoutUndefined(options) };
  const log = options.log ?? (() => undefined);
  const rootDir = resolve(options.rootDir ?? PROJECT_ROOT);
  const cacheDir = resolve(rootDir, options.cacheDir ?? defaults.cacheDir);

  const files = await readServiceInputs(rootDir);
  const params = Object.entries(options.params ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const paramArgs = params.flatMap(([name, value]) => ['--param', `${name}=${value}`]);
  const hash = hashServiceInputs(files, stage, paramArgs);
  const entryDir = join(cacheDir, hash);
  const path = join(entryDir, TEMPLATE_FILE);
  const cached = await readCachedTemplate(path);
  if (cached !== undefined) {
    // The entry's time decides what pruning keeps: a reused build counts as recent.
    const now = new Date();
    await utimes(entryDir, now, now).catch(() => undefined);
    log(`template ${hash.slice(0, 12)} unchanged: reusing ${path}`);
    return { template: cached, path, cached: true };
  }

  const workRoot = join(rootDir, '.local', 'build', 'work');
  await mkdir(workRoot, { recursive: true });
  await removeStaleWork(workRoot);
  const workDir = await mkdtemp(join(workRoot, `${stage}-`));
  const startedAt = Date.now();
  log(`template ${hash.slice(0, 12)}: running serverless package --stage ${stage} ${paramArgs.join(' ')}`.trimEnd());
  try {
    await writeServiceInputs(files, workDir);
    const packageDir = join(workDir, 'package');
    await runServerlessPackage({
      bin: SERVERLESS_BIN,
      serviceDir: workDir,
      packageDir,
      stage,
      extraArgs: paramArgs,
      timeoutMs,
    });
    const json = await readFile(join(packageDir, TEMPLATE_FILE), 'utf8');
    const template = JSON.parse(json) as object;
    await mkdir(entryDir, { recursive: true });
    // Written under another name and renamed, so a reader never sees half a file.
    const partial = `${path}.${randomUUID()}.partial`;
    await writeFile(partial, json);
    await rename(partial, path);
    await pruneCache(cacheDir, keep, hash);
    log(`template ${hash.slice(0, 12)} built in ${Date.now() - startedAt} ms`);
    return { template, path, cached: false };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function readCachedTemplate(path: string): Promise<object | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as object;
  } catch {
    // Missing (never built, or pruned by another process) or unreadable: build it again.
    return undefined;
  }
}

/** Keeps the `keep` most recently used entries (always `current`), removes the rest. */
async function pruneCache(cacheDir: string, keep: number, current: string): Promise<void> {
  const names = (await readdir(cacheDir)).filter((name) => CACHE_ENTRY.test(name) && name !== current);
  const entries = await Promise.all(
    names.map(async (name) => ({
      name,
      usedAt: (await stat(join(cacheDir, name)).catch(() => undefined))?.mtimeMs ?? 0,
    })),
  );
  const surplus = entries.sort((a, b) => b.usedAt - a.usedAt).slice(Math.max(keep - 1, 0));
  await Promise.all(surplus.map(({ name }) => rm(join(cacheDir, name), { recursive: true, force: true })));
}

async function removeStaleWork(workRoot: string): Promise<void> {
  const names = await readdir(workRoot);
  await Promise.all(
    names.map(async (name) => {
      const info = await stat(join(workRoot, name)).catch(() => undefined);
      if (info !== undefined && Date.now() - info.mtimeMs > STALE_WORK_MS) {
        await rm(join(workRoot, name), { recursive: true, force: true });
      }
    }),
  );
}
