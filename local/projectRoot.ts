import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root: the nearest folder above this module that holds package.json. The same from
 * the sources (local/) and from `npm start`'s compiled runtime (under .local/build/runtime/, see
 * local/launch.mjs), where a module's own path says nothing about the tree.
 */
export const PROJECT_ROOT = nearestPackageRoot(dirname(fileURLToPath(import.meta.url)));

function nearestPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
