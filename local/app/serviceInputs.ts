import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileReferenceInputs } from './fileReferences.ts';

/**
 * What shapes the template `serverless package` produces: the service definition and the
 * dependency lock (framework and plugin versions), plus whatever serverless.yml pulls in with
 * `${file(...)}`. Only these key the template cache. Function code does not: the local runtime
 * runs the sources and reads names, settings and wiring from the template, none of which code
 * changes (what it does change, artifact keys and AWS::Lambda::Version hashes, is never read).
 */
export const TEMPLATE_INPUTS = Object.freeze(['serverless.yml', 'package.json', 'package-lock.json']);

/**
 * What else `serverless package` reads to succeed: serverless-esbuild bundles the handlers, with
 * the TypeScript settings and the esbuild plugins (the dashboard client), the alert-rules plugin
 * under functions/ validates the rules, and the framework loads every plugin serverless.yml lists
 * (deploy/: the one that empties buckets on remove). Copied into the build's service folder, not hashed.
 */
export const BUILD_INPUTS = Object.freeze(['tsconfig.json', 'esbuild.plugins.cjs', 'deploy', 'functions', 'shared']);

/** Never service inputs: installed packages, and dot folders (.git, .local, .serverless ...). */
const SKIPPED = (name: string) => name === 'node_modules' || name.startsWith('.');

export interface ServiceFile {
  /** Relative to the repository root, with `/` separators. */
  path: string;
  content: Buffer;
  /** Shapes the template, so part of the cache key ({@link TEMPLATE_INPUTS} and `${file(...)}` inputs). */
  keyed: boolean;
}

/**
 * Reads the template inputs (following `${file(...)}` references, also inside the files they name)
 * and the build inputs under `rootDir`, sorted by path. The snapshot is both what is hashed and
 * what is built, so a file edited during a build cannot end up cached under the hash of its old
 * content.
 *
 * @example
 * const files = await readServiceInputs(repoRoot);
 * const key = hashServiceInputs(files, 'local');
 */
export async function readServiceInputs(rootDir: string): Promise<ServiceFile[]> {
  const keyed = await readTemplateInputs(rootDir);
  const buildPaths = (await listInputs(rootDir, BUILD_INPUTS)).filter((path) => !keyed.has(path));
  const built = await Promise.all(
    buildPaths.map(async (path) => ({ path, content: await readInput(rootDir, path), keyed: false })),
  );
  const files = [...[...keyed].map(([path, content]) => ({ path, content, keyed: true })), ...built];
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * SHA-256 over the stage, the extra `serverless package` arguments (`--param`s) and each keyed
 * file's path, length and content: a rename or a moved byte changes the hash as much as an edit.
 * Files that are not keyed (function code) are left out.
 *
 * @example
 * hashServiceInputs([{ path: 'serverless.yml', content: Buffer.from('service: x'), keyed: true }], 'local'); // '3f0c…' (64 hex)
 */
export function hashServiceInputs(files: readonly ServiceFile[], stage: string, args: readonly string[] = []): string {
  const hash = createHash('sha256').update(`stage\0${stage}\0`);
  // Without arguments the key is what it was before they existed, so earlier builds stay valid.
  for (const arg of args) hash.update(`arg\0${arg}\0`);
  for (const { path, content, keyed } of files) {
    if (keyed) hash.update(`${path}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

/** Writes the snapshot below `dir`, recreating the repository layout. */
export async function writeServiceInputs(files: readonly ServiceFile[], dir: string): Promise<void> {
  await Promise.all(
    files.map(async ({ path, content }) => {
      const target = join(dir, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }),
  );
}

/** {@link TEMPLATE_INPUTS} and, round by round, the inputs their `${file(...)}` variables name. */
async function readTemplateInputs(rootDir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let inputs: readonly string[] = TEMPLATE_INPUTS;
  while (inputs.length > 0) {
    const paths = [...new Set(await listInputs(rootDir, inputs))].filter((path) => !files.has(path));
    const read = await Promise.all(paths.map(async (path) => ({ path, content: await readInput(rootDir, path) })));
    for (const { path, content } of read) files.set(path, content);
    // The lock files hold no variables (and package-lock.json is large).
    inputs = read
      .filter(({ path }) => path !== 'package.json' && path !== 'package-lock.json')
      .flatMap(({ path, content }) => fileReferenceInputs(content.toString('utf8'), path));
  }
  return files;
}

async function listInputs(rootDir: string, inputs: readonly string[]): Promise<string[]> {
  return (await Promise.all(inputs.map((input) => listFiles(rootDir, join(rootDir, input))))).flat();
}

function readInput(rootDir: string, path: string): Promise<Buffer> {
  return readFile(join(rootDir, ...path.split('/')));
}

/** Files at or below `path`, relative to `rootDir`; a missing input contributes nothing. */
async function listFiles(rootDir: string, path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') return undefined;
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries === undefined) return [relative(rootDir, path).split(sep).join('/')];
  const below = await Promise.all(
    entries
      .filter((entry) => !SKIPPED(entry.name) && (entry.isFile() || entry.isDirectory()))
      .map((entry) => listFiles(rootDir, join(path, entry.name))),
  );
  return below.flat();
}
