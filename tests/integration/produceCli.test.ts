import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCE_OPTIONS } from '../../cli/produce/options.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import type { LocalEndpoints } from '../../local/endpointsFile.ts';
import {
  answerAccepted,
  closedPort,
  type FakeHttpApi,
  fakeHttpApi,
  newcomerEnv,
  writeEndpointsFile,
} from '../helpers/cliEnvironment.ts';
import { readAllRecords } from '../helpers/kinesisReader.ts';
import { createStream } from '../helpers/resources.ts';
import { runCli } from '../helpers/runCli.ts';

// `npm run produce` as a newcomer runs it (issue 13): next to a local pipeline (the emulators, and a
// fake HTTP API whose answers each test sets), with no AWS credentials and no endpoint variables.
const LOCAL_STREAM = 'kinesis-pipeline-local-events';
let emulators: Emulators;
let api: FakeHttpApi;
let kinesis: KinesisClient;
let localDir: string;
let env: Record<string, string>;

const produce = (args: string[], extra: Record<string, string> = {}) => runCli('produce', args, { ...env, ...extra });
const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('error:'));
const STACK_FRAME = /^\s+at /m;

const writeEndpoints = (dir: string, overrides: Partial<LocalEndpoints> = {}) =>
  writeEndpointsFile(dir, emulators, { httpApi: api.url, ...overrides });

beforeAll(async () => {
  emulators = await startEmulators({ notify: () => {} });
  api = await fakeHttpApi();
  kinesis = new KinesisClient({
    region: emulators.region,
    endpoint: emulators.endpoints.kinesis,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await createStream(kinesis, LOCAL_STREAM, 2);
  localDir = await mkdtemp(join(tmpdir(), 'kp-produce-cli-'));
  await writeEndpoints(localDir);
  env = await newcomerEnv(localDir);
});

afterAll(async () => {
  await api?.close();
  await emulators?.stop();
});

describe('npm run produce: where the events go (issue 13, point 1)', () => {
  it('writes --stream <the local stream> to the local pipeline, and says where before sending', async () => {
    const before = (await readAllRecords(kinesis, LOCAL_STREAM)).length;
    const run = await produce(['--count', '10', '--stream', LOCAL_STREAM, '--type', 'click']);
    expect(run.stderr.split('\n')[0]).toBe(
      `sending 10 events to the local pipeline (${join(localDir, 'endpoints.json')}): straight to stream ${LOCAL_STREAM} at ${emulators.endpoints.kinesis}`,
    );
    expect(run.stdout).toMatch(
      /sent 10 events to stream kinesis-pipeline-local-events .*: 10 accepted, 0 rejected, 0 failed/,
    );
    expect(run.code).toBe(0);
    expect(await readAllRecords(kinesis, LOCAL_STREAM)).toHaveLength(before + 10);
  });

  it("sends through the local pipeline's HTTP API with its dev token by default", async () => {
    const tokens: string[] = [];
    api.answer = (events, request, response) => {
      tokens.push(request.headers.authorization ?? '');
      answerAccepted(events, response);
    };
    const run = await produce(['--count', '5']);
    expect(run.stderr).toContain(`sending 5 events to the local pipeline (`);
    expect(run.stderr).toContain(`): POST ${api.url}/events`);
    expect(run.stdout).toMatch(/: 5 accepted, 0 rejected, 0 failed/);
    expect(tokens).toEqual(['Bearer kp_local-dev-token']);
  });

  it('goes to AWS only when --stage says so, prints that, and says why the events failed', async () => {
    const run = await produce(['--count', '3', '--stage', 'prod', '--region', 'eu-west-1']);
    expect(run.stderr).toContain(
      'sending 3 events to AWS: straight to stream kinesis-pipeline-prod-events in eu-west-1 (--stage prod)',
    );
    expect(run.stdout).toMatch(/: 0 accepted, 0 rejected, 3 failed/);
    expect(run.stdout).toMatch(/failed: 3 × CredentialsProviderError: .*credentials/i);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('sends nothing to AWS unasked: without a local pipeline, --stream stops with what to do', async () => {
    const run = await produce(['--count', '3', '--stream', 'kinesis-pipeline-dev-events'], {
      KP_LOCAL_DIR: await mkdtemp(join(tmpdir(), 'kp-no-pipeline-')),
    });
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^error: no local pipeline to write to stream kinesis-pipeline-dev-events .*npm start.*--stage/,
    );
    expect(run.stdout).toBe('');
  });

  it('says why a stream write failed, and stops at a request none of whose events got through', async () => {
    const run = await produce(['--count', '10', '--batch', '5', '--concurrency', '1', '--stream', 'no-such-stream']);
    expect(run.stdout).toMatch(/sent 5 of 10 events .*: 0 accepted, 0 rejected, 5 failed/);
    expect(run.stdout).toMatch(/failed: 5 × ResourceNotFoundException: .*no-such-stream/);
    expect(run.stdout).toContain('stopped: none of the 5 events of a request got through; 5 events were not sent');
    expect(run.code).toBe(1);
  });

  it('summarizes the codes and messages of the events the HTTP API refused or could not write', async () => {
    api.answer = (events, _request, response) => {
      const results = events.map((_, index) => {
        if (index === 0) return { index, status: 'rejected', code: 'source_not_allowed', error: 'source mobile-app' };
        if (index === 1) {
          return { index, status: 'failed', code: 'ProvisionedThroughputExceededException', error: 'Rate exceeded' };
        }
        return { index, status: 'accepted', sequenceNumber: '1', shardId: 'shardId-000000000000' };
      });
      response.writeHead(207, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ accepted: events.length - 2, rejected: 1, failed: 1, results }));
    };
    const run = await produce(['--count', '10', '--batch', '5', '--concurrency', '1']);
    expect(run.stdout).toMatch(/sent 10 events .*: 6 accepted, 2 rejected, 2 failed/);
    expect(run.stdout).toMatch(/failed: 2 × ProvisionedThroughputExceededException: Rate exceeded/);
    expect(run.stdout).toMatch(/rejected: 2 × source_not_allowed: source mobile-app \(the token may not send/);
    expect(run.code).toBe(1);
  });
});

describe('npm run produce: a request nothing got through', () => {
  it('stops at a request whose every event the HTTP API refused, and says how many were not sent', async () => {
    let requests = 0;
    api.answer = (events, _request, response) => {
      requests += 1;
      const results = events.map((_, index) => ({ index, status: 'rejected', code: 'source_not_allowed' }));
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ accepted: 0, rejected: events.length, failed: 0, results }));
    };
    const run = await produce(['--count', '20', '--batch', '5', '--concurrency', '1']);
    expect(run.code).toBe(1);
    expect(requests).toBe(1);
    expect(run.stdout).toMatch(/sent 5 of 20 events .*: 0 accepted, 5 rejected, 0 failed/);
    expect(run.stdout).toContain('stopped: none of the 5 events of a request got through; 15 events were not sent');
  });
});

describe('npm run produce: failures in one line (issue 13, point 4)', () => {
  it('refuses an unknown option with one line and the usage, exit code 2', async () => {
    const run = await produce(['--cnt', '5']);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(/^error: Unknown option '--cnt'/);
    expect(run.stderr).toContain('usage: npm run produce');
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('stops with one line, exit code 1, when the pipeline stops answering under it', async () => {
    let requests = 0;
    api.answer = (events, request, response) => {
      requests += 1;
      if (requests > 2) request.socket.destroy();
      else answerAccepted(events, response);
    };
    const run = await produce(['--count', '40', '--batch', '10', '--concurrency', '1']);
    expect(run.code).toBe(1);
    const [line, ...others] = errorLines(run.stderr);
    expect(others).toEqual([]);
    expect(line).toMatch(
      /^error: POST http:\/\/127\.0\.0\.1:\d+\/events: no answer \(.+\): is npm start still running\?/,
    );
    expect(line).toContain('20 of 40 events answered: 20 accepted');
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('stops with one line, exit code 1, when the pipeline is gone but its endpoints.json is not', async () => {
    const stale = await mkdtemp(join(tmpdir(), 'kp-stale-pipeline-'));
    await writeEndpoints(stale, { httpApi: `http://127.0.0.1:${await closedPort()}` });
    const run = await produce(['--count', '5'], { KP_LOCAL_DIR: stale });
    expect(run.code).toBe(1);
    expect(errorLines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/no answer \(.*ECONNREFUSED.*\): is npm start still running\?/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('npm run produce --help (issue 13, point 5)', () => {
  it('gives every flag a line with a sentence', async () => {
    const run = await produce(['--help']);
    expect(run.code).toBe(0);
    for (const flag of [...Object.keys(PRODUCE_OPTIONS), 'help']) {
      expect(run.stdout, `--${flag}`).toMatch(new RegExp(`^ {2}--${flag}(?= )[^\\n]*[a-z]{3,} [a-z]{2,}`, 'm'));
    }
  });
});

describe('npm run produce --rate (issue 13, point 8)', () => {
  it('says when the requested rate was missed', async () => {
    // Each answer takes 300 ms and only one request is in flight: at most ~3 events/s of 1,000.
    api.answer = (events, _request, response) => {
      setTimeout(() => answerAccepted(events, response), 300);
    };
    const run = await produce(['--count', '6', '--batch', '1', '--concurrency', '1', '--rate', '1000']);
    expect(run.stdout).toMatch(/sent 6 events .* \(\d+ ev\/s\): 6 accepted, 0 rejected, 0 failed/);
    expect(run.stdout).toMatch(
      /\n {2}rate: \d+ ev\/s of the 1000 ev\/s requested \(\d%\): missed: \d+ sends waited for an answer with --concurrency 1/,
    );
    expect(run.code).toBe(0);
  });
});
