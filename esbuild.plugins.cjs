// serverless-esbuild's `plugins` file (custom.esbuild.plugins in serverless.yml): CommonJS, an
// array of esbuild plugins applied to every function bundle.
const { pathToFileURL } = require('node:url');
const { join } = require('node:path');

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

module.exports = [dashboardClient];
