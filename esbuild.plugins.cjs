// serverless-esbuild's `plugins` file (custom.esbuild.plugins in serverless.yml): CommonJS, an
// array of esbuild plugins applied to every function bundle.
const { readFile } = require('node:fs/promises');
const { pathToFileURL } = require('node:url');
const { dirname, join } = require('node:path');

/**
 * Prebuilds the dashboard's browser script into the deployed bundle. The source module
 * functions/dashboard/clientBundle.ts builds the client with esbuild on first use, which suits the
 * local runtime and tests (they run sources under tsx); a Lambda bundle must not import esbuild.
 * So when a bundle loads that module, this plugin builds the client (the same options, from
 * functions/dashboard/clientBuild.mjs) and hands esbuild a replacement module that only returns
 * the built script.
 */
const dashboardClient = {
  name: 'dashboard-client',
  setup(build) {
    build.onLoad({ filter: /[\\/]functions[\\/]dashboard[\\/]clientBundle\.ts$/ }, async (args) => {
      const clientBuild = join(args.path, '..', 'clientBuild.mjs');
      const { buildClientScript, CLIENT_ENTRY } = await import(pathToFileURL(clientBuild).href);
      const script = await buildClientScript(build.esbuild);
      return {
        contents: `export async function clientScript() { return ${JSON.stringify(script)}; }\n`,
        loader: 'js',
        // Rebuilds in watch mode follow edits of the client.
        watchFiles: [clientBuild, CLIENT_ENTRY],
      };
    });
  },
};

/** `import { z } from 'zod';` alone on its line, as the sources write it. */
const NAMED_ZOD_IMPORT = /^import \{ z \} from 'zod';$/gm;

/**
 * Imports zod as a namespace, `import * as z from 'zod'`, in the service's own TypeScript files.
 * zod's `z` export is a namespace object re-exported by name, which esbuild cannot tree-shake: with
 * `import { z }` every bundle held all of zod, the error messages of all its locales included
 * (750 KB of the ingest's 2.4 MB bundle); as a namespace import esbuild keeps what a bundle calls
 * (about 140 KB once minified). Both forms give the same members, so the code runs the same; the
 * line keeps its place, so the source map does too. `import type` lines are left alone. (Writing
 * `import * as z from 'zod'` in the sources, as zod 4 documents, would make this plugin unneeded.)
 */
const zodNamespaceImport = {
  name: 'zod-namespace-import',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.path)) return undefined;
      const source = await readFile(args.path, 'utf8');
      const contents = source.replace(NAMED_ZOD_IMPORT, "import * as z from 'zod';");
      return contents === source ? undefined : { contents, loader: 'ts' };
    });
  },
};

/**
 * Loads semver on first use instead of when the AWS X-Ray SDK loads. The SDK (Powertools Tracer's,
 * loaded where tracing is on) requires it at the top of its AWS SDK v2 patcher, for a version check
 * in `captureAWS`, which this service never calls (it traces SDK v3 clients); evaluating semver's
 * ranges and regular expressions was about 3 ms of every traced function's cold start. The SDK gets
 * a stand-in that requires the real semver, bundled as before, the first time it is used.
 */
const lazySemverForXRay = {
  name: 'lazy-semver-for-xray',
  setup(build) {
    build.onResolve({ filter: /^semver$/ }, (args) => {
      if (args.pluginData?.lazySemver || !/[\\/]aws-xray-sdk-core[\\/]/.test(args.importer)) return undefined;
      return { path: args.importer, namespace: 'lazy-semver' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-semver' }, (args) => ({
      contents: `let semver;
const load = () => (semver ??= require('semver'));
module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });
`,
      loader: 'js',
      resolveDir: dirname(args.path),
      // Its own require('semver') resolves as usual.
      pluginData: { lazySemver: true },
    }));
  },
};

// The dashboard's client plugin first: it answers for clientBundle.ts before any other onLoad does.
module.exports = [dashboardClient, zodNamespaceImport, lazySemverForXRay];
