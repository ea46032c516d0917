import '../local/quietSdkNodeWarning.ts';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { readLocalEndpoints } from '../local/endpointsFile.ts';
import { failWith, parseCommandLine, usageError } from './commandLine.ts';
import { athenaNames, queryAthena } from './sql/athena.ts';
import { FORMATS, type Format, formatResult } from './sql/formatResult.ts';
import { queryLocalArchive } from './sql/localArchive.ts';
import type { QueryResult } from './sql/queryResult.ts';
import { SqlError } from './sql/sqlError.ts';

const USAGE = `usage: npm run sql -- [--format table|json|csv] "<query>"
       npm run sql -- --athena --stage S [--region R] [--format ...] "<query>"
Runs one SQL statement over the archive, as the table \`events\` (one row per archived event:
columns kinesis and event, structs, and the arrival partitions year, month, day, hour).
Locally, DuckDB reads the archive of the pipeline npm start runs, only the partitions the WHERE
clause can need; with --athena, Athena runs it in the stage's workgroup. The same query runs in both.
  --format F   table (default), json (an array of row objects) or csv
  --athena     run on Athena, in the workgroup kinesis-pipeline-<stage>, database kinesis_pipeline_<stage>
  --stage S    the deployed stage (with --athena)
  --region R   AWS region (default: $AWS_REGION)
  --help       this text
The query may also come on standard input. What was read goes to stderr (objects and bytes, or
Athena's bytes scanned). Exit code 1 when the query fails (the engine's message), 2 on bad usage.`;

const { values, positionals } = parseCommandLine(
  {
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'table' },
      athena: { type: 'boolean', default: false },
      stage: { type: 'string' },
      region: { type: 'string' },
    },
  },
  USAGE,
);
const usage = (message: string): never => usageError(message, USAGE);
const format = FORMATS.find((name) => name === values.format) ?? usage(`--format must be one of ${FORMATS.join(', ')}`);
if (positionals.length > 1) usage('one query, in quotes');
const sql = (positionals[0] ?? (process.stdin.isTTY ? '' : await readStdin())).trim();
if (sql === '') usage('no query');

try {
  const result = values.athena ? await onAthena(sql) : await onLocalArchive(sql);
  process.stdout.write(formatResult(result, format as Format));
} catch (error) {
  if (!(error instanceof SqlError) && !isAwsError(error)) throw error;
  failWith(error.message);
}

async function onLocalArchive(query: string): Promise<QueryResult> {
  if (values.stage !== undefined) usage('--stage goes with --athena (locally, the pipeline npm start runs is read)');
  const local = readLocalEndpoints();
  const bucket = local?.buckets.ArchiveBucket;
  if (!local || !bucket)
    throw new SqlError('no local pipeline (.local/endpoints.json is missing): run npm start first');
  const s3 = new S3Client({
    region: local.region,
    endpoint: local.s3,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { result, scan } = await queryLocalArchive(query, { s3, bucket });
  const why = scan.unpruned ? ` (every object: ${scan.unpruned})` : '';
  process.stderr.write(
    `read ${scan.objectsRead} of ${scan.objectsInArchive} archive objects, ${bytes(scan.bytesRead)}${why}\n`,
  );
  return result;
}

async function onAthena(query: string): Promise<QueryResult> {
  const stage = values.stage ?? usage('--athena needs --stage');
  const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) usage('no region: pass --region or set AWS_REGION');
  const names = athenaNames(stage);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  const { result, bytesScanned, queryExecutionId } = await queryAthena(
    query,
    { athena: new AthenaClient({ region }), ...names },
    { signal: stop.signal },
  );
  process.stderr.write(`Athena query ${queryExecutionId} in ${names.workGroup}: scanned ${bytes(bytesScanned)}\n`);
  return result;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  if (count < 1024 ** 2) return `${(count / 1024).toFixed(1)} KiB`;
  return `${(count / 1024 ** 2).toFixed(1)} MiB`;
}

/** An AWS service or credentials error: one line, no stack (missing credentials, access denied, ...). */
function isAwsError(error: unknown): error is Error {
  return error instanceof Error && ('$metadata' in error || error.name === 'CredentialsProviderError');
}
