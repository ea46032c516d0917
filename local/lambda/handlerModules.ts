import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The URL to import for a handler's source file. Under `npm start` (KP_RUNTIME_BUILD, set by
 * local/launch.mjs), the process has no TypeScript loader: the handler is the module compiled into
 * that build from the source, or, for a source the build does not hold (a handler of
 * KP_EXTRA_RESOURCES outside functions/), one compiled on its own now, beside the build. Elsewhere
 * (tests under vitest, tsx) the source itself.
 *
 * @example
 * await import(await handlerModuleUrl('/repo/functions/ingest/handler.ts', '/repo'));
 */
export async function handlerModuleUrl(file: string, root: string): Promise<string> {
  const build = process.env.KP_RUNTIME_BUILD;
  if (!build) return pathToFileURL(file).href;
  const compiledName = relative(root, file).replace(/\.[cm]?[jt]s$/, '.mjs');
  const compiled = join(build, compiledName);
  if (existsSync(compiled)) return pathToFileURL(compiled).href;
  const alone = join(build, 'separate', compiledName);
  // esbuild is only needed here, under npm start: tests never load it.
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [file],
    outfile: alone,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  await esbuild.stop();
  return pathToFileURL(alone).href;
}
