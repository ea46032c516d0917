import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../local/emulators.ts';
import { readLocalEndpoints } from '../../local/endpointsFile.ts';
import { npmStartArguments } from '../../local/startCommand.ts';
import { anEvent } from '../helpers/events.ts';
import { readAllRecords } from '../helpers/kinesisReader.ts';
import { clientsFor, postEvents } from '../helpers/localPipeline.ts';

let child: ChildProcess | undefined;
let output = '';

afterAll(() => {
  // Whatever is left of the process group (nothing, when the test passed).
  if (child?.pid) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('npm start, as a user runs it', () => {
  it('prints the endpoints, serves them, consumes what is put, and stops cleanly on Ctrl-C', async () => {
    const localDir = await mkdtemp(join(tmpdir(), 'kp-npm-start-'));
    const endpointsFile = join(localDir, 'endpoints.json');
    child = spawn('npm', ['start'], {
      env: {
        ...process.env,
        // The real template has no consumer yet: a local-only recording consumer sees what is put.
        KP_EXTRA_RESOURCES: 'tests/fixtures/recorder.resources.json',
        KP_LOCAL_DIR: localDir,
        KP_HTTP_PORT: '0',
        KP_KINESIS_PORT: '0',
        KP_DYNAMODB_PORT: '0',
        KP_S3_PORT: '0',
        KP_LAMBDA_PORT: '0',
        KP_SNS_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so the test can send Ctrl-C to npm and everything under it, as a terminal does.
      detached: true,
    });
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<string>((resolve) =>
      child?.once('exit', (code, signal) => resolve(signal ?? String(code))),
    );

    const endpoints = await pollUntil(async () => readLocalEndpoints(endpointsFile), {
      what: `npm start to write ${endpointsFile} (output so far: ${output})`,
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    // endpoints.json is written before the banner is printed, and the banner reaches this process
    // through a pipe some time later (long on a busy machine): wait for it, then check what it says.
    const dashboardAddress = `${endpoints.httpApi}/#token=${endpoints.token}`;
    await pollUntil(async () => (output.includes(dashboardAddress) ? true : undefined), {
      what: `npm start to print the dashboard's address ${dashboardAddress} (output so far: ${output})`,
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(output).toContain(endpoints.token);
    expect(output).toContain(endpoints.httpApi);
    const page = await fetch(`${endpoints.httpApi}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<canvas');
    for (const key of [
      'httpApi',
      'kinesis',
      'dynamodb',
      's3',
      'sns',
      'snsSinkDir',
      'topics',
      'region',
      'streamName',
      'streamArn',
      'token',
      'tables',
      'buckets',
    ]) {
      expect(endpoints).toHaveProperty(key);
    }

    const { kinesis, dynamodb } = clientsFor(endpoints);
    const put = await kinesis.send(
      new PutRecordCommand({
        StreamName: endpoints.streamName,
        PartitionKey: 'sdk',
        Data: Buffer.from('{"from":"sdk"}'),
      }),
    );
    const posted = await postEvents(endpoints, JSON.stringify(anEvent({ id: 'from-npm-start' })));
    expect(posted.status).toBe(200);
    const sequences = (await readAllRecords(kinesis, endpoints.streamName)).map((r) => r.SequenceNumber);
    expect(sequences).toContain(put.SequenceNumber);
    const { results } = posted.json as { results: Array<{ sequenceNumber: string }> };
    expect(sequences).toContain(results[0]?.sequenceNumber);

    await pollUntil(
      async () => {
        const items = (await dynamodb.send(new ScanCommand({ TableName: 'e2e-records' }))).Items ?? [];
        const consumed = items.map((item) => item.sequenceNumber?.S);
        return consumed.includes(put.SequenceNumber) && consumed.includes(results[0]?.sequenceNumber)
          ? true
          : undefined;
      },
      { what: 'the recording consumer to see the SDK record and the posted event', timeoutMs: 30_000 },
    );

    process.kill(-(child.pid as number), 'SIGINT');
    // npm itself dies of the SIGINT (as in a terminal); the runtime under it stops cleanly and
    // takes its endpoints file down with it.
    expect(['0', '130', 'SIGINT']).toContain(await exited);
    await pollUntil(async () => (existsSync(endpointsFile) ? undefined : true), {
      what: 'the runtime to stop and remove its endpoints file',
      timeoutMs: 15_000,
    });
  });
});

/** What `npm start` runs (package.json's start script, without npm), in its own process group like a terminal's job. */
async function startProcess(args: string[], env: Record<string, string>) {
  const started = spawn(process.execPath, [...(await npmStartArguments()), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  started.stdout?.on('data', (chunk) => {
    text += chunk;
  });
  started.stderr?.on('data', (chunk) => {
    text += chunk;
  });
  const exited = new Promise<number | string>((resolve) =>
    started.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { process: started, exited, output: () => text };
}

/** Resolves with the exit code, or 'still running' after `ms`. */
const exitWithin = (exited: Promise<number | string>, ms: number) =>
  Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), ms))]);

const FREE_PORTS_ENV = {
  KP_HTTP_PORT: '0',
  KP_KINESIS_PORT: '0',
  KP_DYNAMODB_PORT: '0',
  KP_S3_PORT: '0',
  KP_LAMBDA_PORT: '0',
  KP_SNS_PORT: '0',
};

describe('npm start flags and signals', () => {
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const { pid } of started) {
      try {
        if (pid) process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  it.each(['abc', '0', '-5', '1.5', ''])(
    'refuses --poll-interval=%j with exit code 2, starting nothing',
    async (value) => {
      const localDir = await mkdtemp(join(tmpdir(), 'kp-npm-start-flags-'));
      const run = await startProcess([`--poll-interval=${value}`], { ...FREE_PORTS_ENV, KP_LOCAL_DIR: localDir });
      started.push(run.process);
      expect(await exitWithin(run.exited, 30_000)).toBe(2);
      expect(run.output()).toMatch(/error: --poll-interval .* is not a whole number of milliseconds/);
      expect(existsSync(join(localDir, 'data'))).toBe(false);
    },
  );

  it.each(['maxRecordSizeKiB', '=1', '1x=2'])(
    'refuses --param %j with exit code 2, starting nothing',
    async (value) => {
      const localDir = await mkdtemp(join(tmpdir(), 'kp-npm-start-flags-'));
      const run = await startProcess(['--param', value], { ...FREE_PORTS_ENV, KP_LOCAL_DIR: localDir });
      started.push(run.process);
      expect(await exitWithin(run.exited, 30_000)).toBe(2);
      expect(run.output()).toMatch(/error: --param .* is not name=value/);
      expect(existsSync(join(localDir, 'data'))).toBe(false);
    },
  );

  it('passes --shard-limits and --kinesis-fsync to the Kinesis engine: it says so, and throttles a hot shard', async () => {
    const localDir = await mkdtemp(join(tmpdir(), 'kp-npm-start-kinesis-flags-'));
    const run = await startProcess(['--shard-limits', '--kinesis-fsync'], {
      ...FREE_PORTS_ENV,
      KP_LOCAL_DIR: localDir,
    });
    started.push(run.process);
    const endpointsFile = join(localDir, 'endpoints.json');
    const endpoints = await pollUntil(async () => readLocalEndpoints(endpointsFile), {
      what: `the runtime to write ${endpointsFile} (output so far: ${run.output()})`,
      timeoutMs: 90_000,
    });
    // Its lines reach this process through a pipe, maybe after endpoints.json: wait for them.
    const said = ['kinesis: per-shard limits on', "each write fsync'd to the disk before it is acknowledged"];
    await pollUntil(async () => (said.every((line) => run.output().includes(line)) ? true : undefined), {
      what: 'npm start to say the Kinesis engine has per-shard limits and fsync on',
      timeoutMs: 30_000,
    }).catch(() => undefined);
    for (const line of said) expect(run.output()).toContain(line);
    // One partition key, one shard: 500 records a call exceed 1,000 records/s by the third call of
    // any second. Calls go on until one is throttled, so a slow machine only takes more of them.
    const { kinesis } = clientsFor(endpoints);
    const entries = Array.from({ length: 500 }, () => ({ PartitionKey: 'hot', Data: Buffer.from('{}') }));
    let throttled: string | undefined;
    for (let call = 0; call < 30 && throttled === undefined; call += 1) {
      const { Records = [] } = await kinesis.send(
        new PutRecordsCommand({ StreamName: endpoints.streamName, Records: entries }),
      );
      throttled = Records.find((record) => record.ErrorCode !== undefined)?.ErrorCode;
    }
    kinesis.destroy();
    expect(throttled).toBe('ProvisionedThroughputExceededException');
    process.kill(-(run.process.pid as number), 'SIGINT');
    expect(['0', '130', 'SIGINT']).toContain(String(await exitWithin(run.exited, 30_000)));
  });

  it('exits at once (130) on a second Ctrl-C while the stop waits for a batch that never ends', async () => {
    const localDir = await mkdtemp(join(tmpdir(), 'kp-npm-start-hang-'));
    const marker = join(localDir, 'invoked');
    const resources = join(localDir, 'hanging.resources.json');
    await writeFile(resources, JSON.stringify(hangingConsumerResources(marker)));
    const run = await startProcess(['--poll-interval', '100'], {
      ...FREE_PORTS_ENV,
      KP_LOCAL_DIR: localDir,
      KP_EXTRA_RESOURCES: resources,
    });
    started.push(run.process);
    const endpointsFile = join(localDir, 'endpoints.json');
    const endpoints = await pollUntil(async () => readLocalEndpoints(endpointsFile), {
      what: `the runtime to write ${endpointsFile} (output so far: ${run.output()})`,
      timeoutMs: 90_000,
    });
    const { kinesis } = clientsFor(endpoints);
    await kinesis.send(
      new PutRecordCommand({ StreamName: endpoints.streamName, PartitionKey: 'p', Data: Buffer.from('{}') }),
    );
    kinesis.destroy();
    await pollUntil(async () => (existsSync(marker) ? true : undefined), {
      what: 'the hanging consumer to be invoked',
      timeoutMs: 30_000,
    });

    const group = -(run.process.pid as number);
    process.kill(group, 'SIGINT');
    // The first Ctrl-C waits for the batch in flight, which never ends.
    expect(await exitWithin(run.exited, 2_000)).toBe('still running');
    // The line comes through a pipe: wait for it rather than expect it after a fixed time.
    await pollUntil(
      async () => (run.output().includes('stopping: letting in-flight batches finish') ? true : undefined),
      {
        what: `npm start to say it is stopping (output so far: ${run.output()})`,
        timeoutMs: 30_000,
      },
    );
    process.kill(group, 'SIGINT');
    expect(await exitWithin(run.exited, 10_000)).toBe(130);
  });
});

/** A function behind its own mapping on the stream whose batches never end (tests/e2e/fixtures/hangingConsumer.ts). */
function hangingConsumerResources(markerFile: string) {
  return {
    HangingRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'e2e-hanging' } },
    HangingLambdaFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'e2e-hanging',
        Handler: 'tests/e2e/fixtures/hangingConsumer.handler',
        Runtime: 'nodejs22.x',
        Timeout: 900,
        MemorySize: 256,
        Role: { 'Fn::GetAtt': ['HangingRole', 'Arn'] },
        Environment: { Variables: { MARKER_FILE: markerFile } },
      },
    },
    HangingEventSourceMapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['HangingLambdaFunction', 'Arn'] },
        EventSourceArn: { 'Fn::GetAtt': ['Stream', 'Arn'] },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 1,
      },
    },
  };
}
