import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../helpers/lambdaContext.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const plugins = createRequire(import.meta.url)(join(ROOT, 'esbuild.plugins.cjs')) as esbuild.Plugin[];

describe('esbuild.plugins.cjs', () => {
  it('prebuilds the dashboard client into the function bundle, which then never loads esbuild', async () => {
    // The serverless-esbuild settings of serverless.yml that matter here.
    const result = await esbuild.build({
      entryPoints: [join(ROOT, 'functions', 'dashboard', 'handler.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.includes('node_modules/esbuild'))).toBe(false);
    // Chart.js is inside the inlined client string, not a module of the Lambda bundle.
    expect(inputs.some((path) => path.includes('node_modules/chart.js'))).toBe(false);
    const bundle = result.outputFiles?.[0]?.text ?? '';
    expect(bundle).not.toMatch(/import\(["']esbuild["']\)/);

    const { buildClientScript } = await import('../../functions/dashboard/clientBuild.mjs');
    const script = await buildClientScript(esbuild);
    // Run the bundle as Lambda would: a lone .mjs file, far from this repository's node_modules.
    const dir = await mkdtemp(join(tmpdir(), 'kp-dashboard-bundle-'));
    try {
      const file = join(dir, 'handler.mjs');
      await writeFile(file, bundle);
      const module = (await import(pathToFileURL(file).href)) as {
        handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
      };
      const response = await module.handler({ requestContext: { requestId: 'r-1' } }, lambdaContext('dashboard'));
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain(`<script>${script}</script>`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
