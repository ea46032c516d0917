import { producerStore } from '../shared/auth/producerStore.ts';
import { dynamoDbDocumentClient } from '../shared/aws/clients.ts';
import { failWith, parseCommandLine, usageError } from './commandLine.ts';
import { explainAwsError, findLocalPipeline, pointAwsClients, regionFor, setting } from './target.ts';
import { TOKEN_COMMANDS, TOKEN_OPTIONS, TOKEN_USAGE as USAGE } from './token/options.ts';
import { producersTable } from './token/table.ts';

const { values, positionals } = parseCommandLine({ allowPositionals: true, options: TOKEN_OPTIONS }, USAGE);
const usage = (message: string): never => usageError(message, USAGE);

const [command, producer, ...extra] = positionals;
if (command === undefined) usage('no command: create, list or revoke');
if (!TOKEN_COMMANDS.some((known) => known === command)) usage(`unknown command ${command}: create, list or revoke`);
if (command !== 'list' && !producer) usage(`${command} needs a producer name`);
const unexpected = command === 'list' ? positionals.slice(1) : extra;
if (unexpected.length > 0) usage(`unexpected ${unexpected.join(' ')}`);
const sources = (values.sources ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
if (command === 'create' && sources.length === 0) usage('create needs --sources a,b (or --sources "*" for any source)');
if (command !== 'create' && values.sources !== undefined) usage('--sources goes with create');

const { local, endpointsFile } = findLocalPipeline();
const table = producersTable({
  table: values.table,
  stage: values.stage,
  region: values.region,
  env: {
    table: setting('PRODUCERS_TABLE'),
    dynamodbEndpoint: setting('DYNAMODB_ENDPOINT'),
    region: await regionFor(values),
  },
  local,
  endpointsFile,
});
if (table.kind === 'problem') {
  if (table.usage) usage(table.message);
  failWith(table.message);
}
pointAwsClients(table, local);
const store = producerStore(dynamoDbDocumentClient(), table.name);

try {
  switch (command) {
    case 'create': {
      const { token } = await store.create(producer as string, sources);
      console.log(
        `token for ${producer} (sources: ${sources.join(', ')}) in ${table.where}; shown only this once:\n${token}`,
      );
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
      const count = await store.revoke(producer as string);
      console.log(count > 0 ? `revoked ${count} token(s) of ${producer}` : `no tokens for ${producer}`);
      if (count === 0) process.exitCode = 1;
      break;
    }
  }
} catch (error) {
  const explained = explainAwsError(error, table);
  if (explained === undefined) throw error;
  failWith(explained);
}
