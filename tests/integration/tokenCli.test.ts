import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_OPTIONS } from '../../cli/token/options.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { closedPort, newcomerEnv, writeEndpointsFile } from '../helpers/cliEnvironment.ts';
import { createTable } from '../helpers/resources.ts';
import { runCli } from '../helpers/runCli.ts';

// `npm run token` as a newcomer runs it (issue 13): next to a local pipeline (the emulators), with no
// AWS credentials and no endpoint variables.
const TABLE = 'kinesis-pipeline-local-producers';
let emulators: Emulators;
let env: Record<string, string>;

const token = (args: string[], extra: Record<string, string> = {}) => runCli('token', args, { ...env, ...extra });
const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('error:'));
const STACK_FRAME = /^\s+at /m;
const tempDir = () => mkdtemp(join(tmpdir(), 'kp-token-cli-'));

beforeAll(async () => {
  emulators = await startEmulators({ notify: () => {} });
  const dynamodb = new DynamoDBClient({
    region: emulators.region,
    endpoint: emulators.endpoints.dynamodb,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await createTable(dynamodb, TABLE, 'tokenHash');
  env = await newcomerEnv(await writeEndpointsFile(await tempDir(), emulators));
});

afterAll(async () => {
  await emulators?.stop();
});

describe('npm run token: which table (issue 13, point 1)', () => {
  it("takes --table to the local pipeline's DynamoDB when there is one, not to AWS", async () => {
    const created = await token(['create', 'newcomer', '--sources', 'web-frontend', '--table', TABLE]);
    expect(created.stderr).toBe('');
    expect(created.stdout).toContain(`in table ${TABLE} of the local pipeline`);
    expect(created.code).toBe(0);
    const listed = await token(['list']);
    expect(listed.stdout).toContain('newcomer\tsources=web-frontend');
  });

  it('says what to do without a local pipeline, and sends nothing to AWS unasked', async () => {
    const run = await token(['list', '--table', TABLE], { KP_LOCAL_DIR: await tempDir() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: no local pipeline \(.*endpoints\.json not found\): run npm start .*--stage/);
  });
});

describe('npm run token: failures in one line (issue 13, point 4)', () => {
  it('refuses an unknown option with one line and the usage, exit code 2', async () => {
    const run = await token(['list', '--tabel', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(/^error: Unknown option '--tabel'/);
    expect(run.stderr).toContain('npm run token -- list');
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('names only the words it did not expect, not the producer', async () => {
    const run = await token(['create', 'web', 'extra', '--sources', 'web-frontend']);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe('error: unexpected extra');
  });

  it('refuses an unknown command with the usage, exit code 2', async () => {
    const run = await token(['lst']);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe('error: unknown command lst: create, list or revoke');
  });

  it('says in one line, exit code 1, that there are no AWS credentials for --stage', async () => {
    const run = await token(['list', '--stage', 'prod'], { AWS_REGION: 'eu-west-1' });
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^error: table kinesis-pipeline-prod-producers on AWS \(eu-west-1\): no AWS credentials \(.+\): set AWS_PROFILE/,
    );
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('says in one line, exit code 1, that the local pipeline does not answer', async () => {
    const stale = await writeEndpointsFile(await tempDir(), emulators, {
      dynamodb: `http://127.0.0.1:${await closedPort()}`,
    });
    const run = await token(['list'], { KP_LOCAL_DIR: stale });
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: table .* of the local pipeline .*: no answer \(.*\): is npm start running\?/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('npm run token --help (issue 13, point 5)', () => {
  it('gives every flag a line with a sentence', async () => {
    const run = await token(['--help']);
    expect(run.code).toBe(0);
    for (const flag of [...Object.keys(TOKEN_OPTIONS), 'help']) {
      expect(run.stdout, `--${flag}`).toMatch(new RegExp(`^ {2}--${flag}(?= )[^\\n]*[a-z]{3,} [a-z]{2,}`, 'm'));
    }
  });
});
