import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from './projectRoot.ts';

/**
 * `npm start`'s Node.js arguments, from package.json's start script (`node <args>`): what starts
 * the pipeline as users start it, V8 flags included, for the tests and benchmarks that run it in a
 * child process without npm in between.
 *
 * @example
 * spawn(process.execPath, [...(await npmStartArguments()), '--fresh']);
 */
export async function npmStartArguments(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const [command, ...args] = (manifest.scripts?.start ?? '').split(/\s+/).filter(Boolean);
  if (command !== 'node') throw new Error(`package.json's start script does not run node: ${manifest.scripts?.start}`);
  return args;
}
