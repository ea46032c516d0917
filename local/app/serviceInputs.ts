import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

/**
 * Everything `serverless package` reads from the repository besides node_modules: the service
 * definition, the dependency lock, the TypeScript settings esbuild honours, and the function
 * sources. The same list is hashed for the cache and copied into the build's own service folder,
 * so a new `${file(...)}` reference in serverless.yml must be added here.
 */
export const SERVICE_INPUTS = Object.freeze([
  'serverless.yml',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'functions',
  'shared',
]);

export interface ServiceFile {
  /** Relative to the repository root, with `/` separators. */
  path: string;
  content: Buffer;
}

/**
 * Reads every file of {@link SERVICE_INPUTS} under `rootDir`, sorted by path. The snapshot is both
 * what is hashed and what is built, so a file edited during a build cannot end up cached under the
 * hash of its old content.
 *
 * @example
 * const files = await readServiceInputs(repoRoot);
 * const key = hashServiceInputs(files, 'local');
 */
export async function readServiceInputs(rootDir: string): Promise<ServiceFile[]> {
  const paths = (await Promise.all(SERVICE_INPUTS.map((input) => listFiles(rootDir, join(rootDir, input))))).flat();
  const files = await Promise.all(
    paths.map(async (path) => ({ path, content: await readFile(join(rootDir, ...path.split('/'))) })),
  );
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * SHA-256 over the stage and each file's path, length and content: a rename or a moved byte
 * changes the hash as much as an edit.
 *
 * @example
 * hashServiceInputs([{ path: 'serverless.yml', content: Buffer.from('service: x') }], 'local'); // '3f0c…' (64 hex)
 */
export function hashServiceInputs(files: readonly ServiceFile[], stage: string): string {
  const hash = createHash('sha256').update(`stage\0${stage}\0`);
  for (const { path, content } of files) hash.update(`${path}\0${content.length}\0`).update(content);
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

/** Files at or below `path`, relative to `rootDir`; a missing input contributes nothing. */
async function listFiles(rootDir: string, path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true, recursive: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOTDIR') return undefined;
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  if (entries === undefined) return [relative(rootDir, path).split(sep).join('/')];
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(rootDir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}
