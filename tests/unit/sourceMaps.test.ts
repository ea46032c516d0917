import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const sourceMapsModule = fileURLToPath(new URL('../../shared/observability/sourceMaps.ts', import.meta.url));

// Line 5, column 9 is `new TypeError`: where V8 places the throwing frame.
const FIXTURE = `import { mapStackTracesLazily } from ${JSON.stringify(sourceMapsModule)};
export const installed = mapStackTracesLazily(import.meta.url);

export function fail() {
  throw new TypeError('from the fixture');
}
`;

let dir: string;
let bundle: string;

/** Runs `script` (an ES module; `bundle` is the bundle's URL, `mapPath` its map) in a fresh node, returning stdout. */
function runNode(script: string, nodeOptions = ''): Promise<string> {
  const prelude = `const bundle = ${JSON.stringify(pathToFileURL(bundle).href)}; const mapPath = ${JSON.stringify(`${bundle}.map`)};\n`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', prelude + script],
      { env: { ...process.env, NODE_OPTIONS: nodeOptions } },
      (error, stdout, stderr) => (error ? reject(new Error(stderr, { cause: error })) : resolve(stdout)),
    );
  });
}

/** Bundles the fixture afresh (each test may rewrite the map); by default with the deploy's options. */
async function buildFixture(options: esbuild.BuildOptions = DEPLOY_OPTIONS): Promise<void> {
  await esbuild.build({
    entryPoints: [join(dir, 'fixture.ts')],
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
    ...options,
  });
}

/** serverless.yml's custom.esbuild: minified without renaming, a linked map without the sources' text. */
const DEPLOY_OPTIONS: esbuild.BuildOptions = {
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: false,
};

describe('stack traces of a bundle, mapped when first formatted', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'source-maps-'));
    await writeFile(join(dir, 'fixture.ts'), FIXTURE);
    bundle = join(dir, 'out', 'fixture.mjs');
  });

  beforeEach(() => buildFixture());

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('points the frames in the bundle at the sources, and leaves the others as V8 writes them', async () => {
    const stack = await runNode(`const m = await import(bundle);
console.log(m.installed);
try { m.fail(); } catch (error) { console.log(error.stack); }`);
    const [installed, header, first, ...rest] = stack.trim().split('\n');
    expect(installed).toBe('true');
    expect(header).toBe('TypeError: from the fixture');
    expect(first).toMatch(/^ {4}at (?:Module\.)?fail \(.*[\\/]fixture\.ts:5:9\)$/);
    expect(rest.join('\n')).toContain('[eval');
    expect(stack).not.toContain('fixture.mjs');
  });

  it('reads the map only when a stack through the bundle is first formatted', async () => {
    // The map is rewritten after the bundle loaded, and a stack that never passed through the bundle
    // was formatted meanwhile: the frame names the rewritten source, so neither had read it.
    const stack = await runNode(`import { readFileSync, writeFileSync } from 'node:fs';
const m = await import(bundle);
void new Error('outside the bundle').stack;
const map = JSON.parse(readFileSync(mapPath, 'utf8'));
map.sources = map.sources.map((source) => source.replace('fixture.ts', 'renamed.ts'));
writeFileSync(mapPath, JSON.stringify(map));
try { m.fail(); } catch (error) { console.log(error.stack); }`);
    expect(stack).toMatch(/at (?:Module\.)?fail \(.*[\\/]renamed\.ts:5:9\)/);
  });

  it("falls back to V8's positions when the map cannot be read", async () => {
    const stack = await runNode(`import { writeFileSync } from 'node:fs';
const m = await import(bundle);
writeFileSync(mapPath, 'not json');
try { m.fail(); } catch (error) { console.log(error.stack); }`);
    expect(stack).toMatch(/^TypeError: from the fixture\n {4}at (?:Module\.)?fail \(file:.*fixture\.mjs:\d+:\d+\)/);
  });

  it('leaves stack traces to Node.js when it maps them itself (--enable-source-maps)', async () => {
    await buildFixture({ sourcemap: 'linked' });
    const stack = await runNode(
      `const m = await import(bundle);
console.log(m.installed);
try { m.fail(); } catch (error) { console.log(error.stack); }`,
      '--enable-source-maps',
    );
    expect(stack.split('\n')[0]).toBe('false');
    expect(stack).toMatch(/fixture\.ts:5:9/);
  });
});
