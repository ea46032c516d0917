import { startKinesisEngine } from '../local/kinesis/index.ts';

/**
 * The project's Kinesis engine alone in its own process, so that its memory (VmRSS) is its own:
 * `node --import tsx bench/engineChild.ts <dataDir>` prints `{"endpoint":"http://127.0.0.1:<port>"}`
 * on one line once it serves, and stops cleanly on SIGTERM. Started by bench/kinesisServers.ts.
 */
const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: node --import tsx bench/engineChild.ts <dataDir>');
  process.exit(2);
}
const server = await startKinesisEngine({ dataDir, region: 'us-east-1', port: 0 });
process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint })}\n`);
process.once('SIGTERM', () => {
  server.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
