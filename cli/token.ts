import { parseArgs } from 'node:util';
import { producerStore } from '../shared/auth/producerStore.ts';
import { dynamoDbDocumentClient } from '../shared/aws/clients.ts';
import { fail, useLocalEndpointsUnlessConfigured } from './target.ts';

const USAGE = `usage:
  npm run token -- create <producer> --sources a,b   create a token (shown once) for a producer
  npm run token -- list                              list producers and token hashes
  npm run token -- revoke <producer>                 delete every token of a producer
options:
  --table NAME   producers table (default: $PRODUCERS_TABLE, then the local pipeline's)
  --stage NAME   use the deployed stage's table: kinesis-pipeline-<stage>-producers`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sources: { type: 'string' },
    table: { type: 'string' },
    stage: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const [command, producer] = positionals;
const explicitTable = values.table ?? (values.stage ? `kinesis-pipeline-${values.stage}-producers` : undefined);
const local = explicitTable || process.env.PRODUCERS_TABLE ? undefined : useLocalEndpointsUnlessConfigured();
const table = explicitTable ?? process.env.PRODUCERS_TABLE ?? local?.tables.ProducersTable;
if (!table) fail(`no producers table: pass --table or --stage, set PRODUCERS_TABLE, or run npm start first\n${USAGE}`);
const store = producerStore(dynamoDbDocumentClient(), table);

switch (command) {
  case 'create': {
    if (!producer) fail(`create needs a producer name\n${USAGE}`);
    const sources = (values.sources ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (sources.length === 0) fail('create needs --sources a,b (or --sources "*" for any source)');
    const { token } = await store.create(producer, sources);
    console.log(`token for ${producer} (sources: ${sources.join(', ')}); it is shown only this once:\n${token}`);
    break;
  }
  case 'list': {
    const items = await store.list();
    if (items.length === 0) console.log('no producers');
    for (const item of items) {
      console.log(
        `${item.producer}\tsources=${item.sources.join(',')}\tcreated=${item.createdAt}\tsha256=${item.tokenHash.slice(0, 12)}…`,
      );
    }
    break;
  }
  case 'revoke': {
    if (!producer) fail(`revoke needs a producer name\n${USAGE}`);
    const count = await store.revoke(producer);
    console.log(count > 0 ? `revoked ${count} token(s) of ${producer}` : `no tokens for ${producer}`);
    if (count === 0) process.exitCode = 1;
    break;
  }
  default:
    fail(USAGE);
}
