import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REDRIVE_OPTIONS } from '../../cli/redrive/usage.ts';
import { REPLAY_OPTIONS } from '../../cli/replay/usage.ts';
import { newcomerEnv } from '../helpers/cliEnvironment.ts';
import { runCli } from '../helpers/runCli.ts';

/**
 * `npm run redrive` and `npm run replay` as a newcomer types them: a wrong option is one line, the
 * usage and exit code 2, never a stack trace; `--help` says what every flag does; no AWS
 * credentials is one line and exit code 1. No pipeline is needed: all of it happens before, or
 * instead of, reaching one.
 */

const COMMANDS = {
  redrive: { options: REDRIVE_OPTIONS, valid: ['--consumer', 'aggregate'] },
  replay: {
    options: REPLAY_OPTIONS,
    valid: ['--consumer', 'aggregate', '--from', '2026-01-01T00:00Z', '--to', '2026-01-01T01:00Z'],
  },
} as const;
const NAMES = Object.keys(COMMANDS) as Array<keyof typeof COMMANDS>;

/** What a stack trace prints: `    at fn (file:line:column)`. */
const STACK_FRAME = /^\s+at /m;

let noPipeline: Record<string, string>;

beforeAll(async () => {
  // An empty local folder: no .local/endpoints.json, so nothing here can reach a running pipeline.
  noPipeline = { KP_LOCAL_DIR: await mkdtemp(join(tmpdir(), 'kp-e2e-cli-usage-')) };
});

describe.each(NAMES)('npm run %s', (name) => {
  const { options, valid } = COMMANDS[name];

  it('answers an unknown option with one line naming it, then the usage, and exit code 2', async () => {
    const run = await runCli(name, [...valid, '--consumr', 'alert'], noPipeline);
    expect(run.code, run.stderr).toBe(2);
    const [first, ...rest] = run.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^error: .*'--consumr'/);
    expect(rest[0]).toMatch(new RegExp(`^usage: npm run ${name} -- `));
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.stdout).toBe('');
  });

  it('answers a bad value and a missing --consumer the same way', async () => {
    for (const args of [[], ['--consumer', 'nope', ...valid.slice(2)], [...valid, '--dry-run=yes']]) {
      const run = await runCli(name, args, noPipeline);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(/^error: .*\n(.*\n)?usage: /);
      expect(run.stderr).not.toMatch(STACK_FRAME);
    }
  });

  it('lists every flag with a sentence on --help, and exits 0', async () => {
    const run = await runCli(name, ['--help'], noPipeline);
    expect(run.code, run.stderr).toBe(0);
    const flagLine = (flag: string) => run.stdout.split('\n').find((line) => line.trimStart().startsWith(`--${flag}`));
    for (const flag of [...Object.keys(options), 'help']) {
      const line = flagLine(flag);
      expect(line, `--${flag} in\n${run.stdout}`).toBeDefined();
      // After the flag and its argument: at least two words saying what it does.
      expect(line?.trim().replace(/^--\S+(\s+[A-Z]+)?/, ''), `--${flag}`).toMatch(/\w+\W+\w+/);
    }
  });

  it('says in one line, with exit code 1, that AWS credentials are missing', async () => {
    const withoutCredentials = await newcomerEnv(noPipeline.KP_LOCAL_DIR ?? '');
    const run = await runCli(name, [...valid, '--stage', 'ci', '--region', 'eu-west-1'], withoutCredentials);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^error: .*no AWS credentials/)]);
  });
});
