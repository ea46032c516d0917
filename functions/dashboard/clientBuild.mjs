// The dashboard client's esbuild build, in one place for both ways it reaches the page:
// functions/dashboard/clientBundle.ts builds it on first use when the sources run directly (local
// runtime, tests), and esbuild.plugins.cjs builds it into the deployed bundle. Plain ES module
// JavaScript, because the plugin file runs in Node without a TypeScript loader.
import { fileURLToPath } from 'node:url';

/** The client's entry point. */
export const CLIENT_ENTRY = fileURLToPath(new URL('./client/main.ts', import.meta.url));

/** One self-contained, minified script for current browsers, to be inlined in the page. */
export function clientBuildOptions() {
  return {
    entryPoints: [CLIENT_ENTRY],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'none',
    // Kept as the default on purpose: esbuild then escapes `</script` in strings for inlining.
    supported: { 'inline-script': true },
    write: false,
    logLevel: 'silent',
  };
}

/**
 * Builds the client and returns the script text.
 *
 * @param {{ build(options: object): Promise<{ outputFiles?: Array<{ text: string }> }> }} esbuild the esbuild API
 * @returns {Promise<string>}
 * @example
 * const script = await buildClientScript(await import('esbuild'));
 */
export async function buildClientScript(esbuild) {
  const result = await esbuild.build(clientBuildOptions());
  const [output] = result.outputFiles ?? [];
  if (!output) throw new Error('the dashboard client build produced no output');
  return output.text;
}
