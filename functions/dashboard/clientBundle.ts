import { buildClientScript } from './clientBuild.mjs';

/**
 * The dashboard's browser script. This is the source-mode implementation: the first call builds
 * the client with esbuild (a devDependency, loaded only here) and later calls reuse the result.
 * Deployed bundles never run this code: esbuild.plugins.cjs replaces this whole module with one
 * that returns the script built at packaging time, so the Lambda bundle holds no esbuild.
 *
 * @example
 * const script = await clientScript(); // '(()=>{...})();'
 */
export async function clientScript(): Promise<string> {
  built ??= import('esbuild').then(buildClientScript);
  try {
    return await built;
  } catch (error) {
    // A failed build is not remembered: the next request tries again.
    built = undefined;
    throw error;
  }
}

let built: Promise<string> | undefined;
