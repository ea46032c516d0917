import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

// The deploy workflow (.github/workflows/deploy.yml): schema-valid for GitHub Actions according to
// @action-validator/cli, and shaped as docs/DEPLOYING.md describes. Its two shell steps that decide
// what is deployed where (stage from trigger, region) are run here with bash, as the runner runs them.

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const workflowPath = join(repoRoot, '.github', 'workflows', 'deploy.yml');
const validatorBin = join(repoRoot, 'node_modules', '.bin', 'action-validator');

const stepSchema = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  uses: z.string().optional(),
  run: z.string().optional(),
  with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  env: z.record(z.string(), z.string()).optional(),
});
type Step = z.infer<typeof stepSchema>;

const jobSchema = z.object({
  'runs-on': z.string(),
  container: z.string().optional(),
  needs: z.union([z.string(), z.array(z.string())]).optional(),
  environment: z.union([z.string(), z.object({ name: z.string(), url: z.string().optional() })]).optional(),
  concurrency: z.object({ group: z.string(), 'cancel-in-progress': z.boolean() }).optional(),
  permissions: z.record(z.string(), z.string()).optional(),
  outputs: z.record(z.string(), z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
  'timeout-minutes': z.number(),
  steps: z.array(stepSchema).min(1),
});
type Job = z.infer<typeof jobSchema>;

const workflowSchema = z.object({
  on: z.object({
    push: z.object({ branches: z.array(z.string()) }),
    schedule: z.array(z.object({ cron: z.string() })),
    workflow_dispatch: z.object({
      inputs: z.object({
        stage: z.object({ type: z.string(), options: z.array(z.string()).optional(), default: z.string() }),
        region: z.object({ type: z.literal('string'), required: z.literal(false) }),
      }),
    }),
  }),
  permissions: z.record(z.string(), z.string()),
  jobs: z.object({ test: jobSchema, target: jobSchema, deploy: jobSchema }),
});

/** A GitHub Actions expression as written in a workflow: `${{ body }}`. */
const expression = (body: string): string => `\${{ ${body} }}`;

/** The one value the deploy job's environment, concurrency group and command all derive from. */
const stageExpression = expression('needs.target.outputs.stage');

interface Validation {
  code: number;
  output: string;
}

const validate = async (file: string): Promise<Validation> => {
  try {
    const { stdout, stderr } = await run(validatorBin, [file], { timeout: 30_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: `${failed.stdout}${failed.stderr}` };
  }
};

interface StepRun {
  code: number;
  stdout: string;
  /** What the step appended to $GITHUB_OUTPUT and $GITHUB_ENV, as name=value pairs. */
  written: Record<string, string>;
}

/** Runs a step's `run` script the way a Linux runner does (`bash --noprofile --norc -eo pipefail`). */
const runStep = async (step: Step, env: Record<string, string>): Promise<StepRun> => {
  if (step.run === undefined) throw new Error(`step ${step.id ?? step.name} has no run script`);
  const files = join(scratch, `step-${Math.random().toString(36).slice(2)}`);
  const outputFile = `${files}.output`;
  const envFile = `${files}.env`;
  await writeFile(outputFile, '');
  await writeFile(envFile, '');
  const stepEnv = { PATH: process.env.PATH ?? '', GITHUB_OUTPUT: outputFile, GITHUB_ENV: envFile, ...env };
  let code = 0;
  let stdout = '';
  try {
    ({ stdout } = await run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { env: stepEnv }));
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    code = typeof failed.code === 'number' ? failed.code : 1;
    stdout = failed.stdout ?? '';
  }
  const lines = `${await readFile(outputFile, 'utf8')}${await readFile(envFile, 'utf8')}`.split('\n').filter(Boolean);
  const written = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { code, stdout, written };
};

/** Every key anywhere in a parsed YAML document, with its path. */
const allKeys = (value: unknown, path = ''): string[] => {
  if (Array.isArray(value)) return value.flatMap((item, index) => allKeys(item, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [`${path}.${key}`, ...allKeys(child, `${path}.${key}`)]);
};

/** Every string value anywhere in a parsed YAML document. */
const allStrings = (value: unknown): string[] => {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(allStrings);
};

const stepUsing = (job: Job, action: string): Step => {
  const step = job.steps.find((candidate) => candidate.uses?.startsWith(`${action}@`));
  if (!step) throw new Error(`no step uses ${action}`);
  return step;
};

const indexOfRun = (job: Job, command: string): number => job.steps.findIndex((step) => step.run?.includes(command));

let scratch: string;
let source: string;
let document: unknown;
let workflow: z.infer<typeof workflowSchema>;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'deploy-workflow-'));
  source = await readFile(workflowPath, 'utf8');
  document = yaml.load(source);
  workflow = workflowSchema.parse(document);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('the deploy workflow file', () => {
  it('passes @action-validator/cli (the GitHub Actions workflow schema)', async () => {
    const result = await validate(workflowPath);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('fails the validator once a job key is misspelled, so the validator really checks this file', async () => {
    const original = '    needs: [test, target]\n';
    expect(source).toContain(original);
    const broken = join(scratch, 'deploy.yml');
    await writeFile(broken, source.replace(original, '    needz: [test, target]\n'));
    const result = await validate(broken);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("Additional property 'needz' is not allowed");
  });
});

describe('triggers', () => {
  it('deploys on pushes to main only', () => {
    expect(workflow.on.push.branches).toEqual(['main']);
  });

  it('runs once a week: one cron with a fixed weekday, any day of month, any month', () => {
    expect(workflow.on.schedule).toHaveLength(1);
    const fields = workflow.on.schedule[0]?.cron.split(' ') ?? [];
    expect(fields).toHaveLength(5);
    const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
    expect(minute).toMatch(/^\d{1,2}$/);
    expect(hour).toMatch(/^\d{1,2}$/);
    expect([dayOfMonth, month]).toEqual(['*', '*']);
    expect(dayOfWeek).toMatch(/^[0-6]$/);
  });

  it('has a manual trigger with a stage input (default dev) and an optional region', () => {
    const { stage } = workflow.on.workflow_dispatch.inputs;
    expect(stage.type).toBe('choice');
    expect(stage.options).toEqual(['dev', 'staging', 'prod']);
    expect(stage.default).toBe('dev');
  });
});

describe('the test job', () => {
  const test = () => workflow.jobs.test;

  it('runs on Node 22 in Debian with the npm cache', () => {
    expect(test().container).toMatch(/^node:22-(bookworm|trixie)/);
    expect(stepUsing(test(), 'actions/setup-node').with).toMatchObject({ 'node-version': 22, cache: 'npm' });
  });

  it('installs, installs Chromium with apt, then lints, type-checks and tests, in that order', () => {
    const order = ['npm ci', 'apt-get install -y -qq --no-install-recommends chromium', 'npm run lint'];
    order.push('npm run typecheck', 'npm test');
    const positions = order.map((command) => indexOfRun(test(), command));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('runs npm scripts that exist in package.json', async () => {
    const { scripts } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const named = test()
      .steps.flatMap((step) => [...(step.run ?? '').matchAll(/npm run ([\w:-]+)/g)])
      .map((match) => match[1]);
    expect(named).toEqual(['lint', 'typecheck']);
    for (const name of [...named, 'test']) expect(scripts).toHaveProperty(name ?? '');
  });
});

describe('the deploy job', () => {
  const deploy = () => workflow.jobs.deploy;

  it('needs the tests to pass', () => {
    expect(deploy().needs).toContain('test');
  });

  it('alone may request an OIDC token; the workflow default is read-only', () => {
    expect(deploy().permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.test.permissions).toBeUndefined();
    expect(workflow.jobs.target.permissions).toBeUndefined();
  });

  it('assumes the role named by the environment variable AWS_DEPLOY_ROLE_ARN, with no stored keys anywhere', () => {
    const credentials = stepUsing(deploy(), 'aws-actions/configure-aws-credentials');
    expect(credentials.with?.['role-to-assume']).toBe(expression('vars.AWS_DEPLOY_ROLE_ARN'));
    const keys = allKeys(document).map((path) => path.slice(path.lastIndexOf('.') + 1));
    expect(keys).not.toContain('aws-access-key-id');
    expect(keys).not.toContain('aws-secret-access-key');
    expect(keys).not.toContain('aws-session-token');
    expect(allStrings(document).filter((value) => value.includes('secrets.'))).toEqual([]);
  });

  it('runs osls serverless deploy with --stage and --region, after install and credentials', async () => {
    const commandIndex = indexOfRun(deploy(), 'serverless deploy');
    const tokens = deploy().steps[commandIndex]?.run?.trim().split(/\s+/) ?? [];
    expect(tokens.slice(0, 3)).toEqual(['npx', 'serverless', 'deploy']);
    expect(tokens[tokens.indexOf('--stage') + 1]).toBe('"$STAGE"');
    expect(tokens[tokens.indexOf('--region') + 1]).toBe('"$REGION"');
    expect(deploy().env?.STAGE).toBe(stageExpression);
    const credentialsIndex = deploy().steps.indexOf(stepUsing(deploy(), 'aws-actions/configure-aws-credentials'));
    expect(indexOfRun(deploy(), 'npm ci')).toBeLessThan(commandIndex);
    expect(credentialsIndex).toBeLessThan(commandIndex);
    // `npx serverless` resolves to osls: the npm `serverless` package (v4) must never be installed.
    const manifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(manifest.devDependencies).toHaveProperty('osls');
    expect({ ...manifest.dependencies, ...manifest.devDependencies }).not.toHaveProperty('serverless');
  });

  it('deploys one stage at a time per stage, in that stage’s environment, never cancelling a running deploy', () => {
    expect(deploy().concurrency).toEqual({ group: `deploy-${stageExpression}`, 'cancel-in-progress': false });
    expect(deploy().environment).toMatchObject({ name: stageExpression });
    expect(workflow.jobs.target.outputs?.stage).toBe(expression('steps.resolve.outputs.stage'));
  });

  it('pins every action to a major version tag or a commit', () => {
    const uses = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => step.uses ?? []));
    expect(uses.length).toBeGreaterThan(0);
    for (const action of uses) expect(action).toMatch(/^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
  });
});

describe('which stage each trigger deploys (the target job’s script, run with bash)', () => {
  const resolveStep = () => {
    const step = workflow.jobs.target.steps.find((candidate) => candidate.id === 'resolve');
    if (!step) throw new Error('the target job has no step with id resolve');
    return step;
  };
  const resolve = (event: string, ref: string, inputStage = '') =>
    runStep(resolveStep(), { EVENT: event, REF: ref, INPUT_STAGE: inputStage });

  it('reads the trigger, the chosen stage and the ref from the run', () => {
    expect(resolveStep().env).toEqual({
      EVENT: expression('github.event_name'),
      INPUT_STAGE: expression('inputs.stage'),
      REF: expression('github.ref'),
    });
  });

  it('deploys staging on a push to main and prod on the schedule', async () => {
    expect((await resolve('push', 'refs/heads/main')).written).toEqual({ stage: 'staging' });
    expect((await resolve('schedule', 'refs/heads/main')).written).toEqual({ stage: 'prod' });
  });

  it('deploys the chosen stage when started by hand', async () => {
    expect((await resolve('workflow_dispatch', 'refs/heads/feature', 'dev')).written).toEqual({ stage: 'dev' });
    expect((await resolve('workflow_dispatch', 'refs/heads/main', 'prod')).written).toEqual({ stage: 'prod' });
  });

  it('refuses prod from any branch but main, unknown stages and other triggers', async () => {
    const refused = [
      await resolve('workflow_dispatch', 'refs/heads/feature', 'prod'),
      await resolve('workflow_dispatch', 'refs/heads/main', 'qa'),
      await resolve('pull_request', 'refs/pull/1/merge'),
    ];
    for (const result of refused) {
      expect(result.code).not.toBe(0);
      expect(result.written).toEqual({});
      expect(result.stdout).toMatch(/^::error::/m);
    }
  });
});

describe('the region (the deploy job’s first step, run with bash)', () => {
  const regionStep = () => workflow.jobs.deploy.steps[0] as Step;
  const resolve = (inputRegion: string, environmentRegion: string) =>
    runStep(regionStep(), { INPUT_REGION: inputRegion, ENVIRONMENT_REGION: environmentRegion });

  it('comes from the manual input, else the environment variable AWS_REGION', () => {
    expect(regionStep().env).toEqual({
      INPUT_REGION: expression('inputs.region'),
      ENVIRONMENT_REGION: expression('vars.AWS_REGION'),
    });
  });

  it('prefers the input, then the environment, then us-east-1', async () => {
    expect((await resolve('eu-west-1', 'us-west-2')).written).toEqual({ REGION: 'eu-west-1' });
    expect((await resolve('', 'ap-southeast-2')).written).toEqual({ REGION: 'ap-southeast-2' });
    expect((await resolve('', '')).written).toEqual({ REGION: 'us-east-1' });
    expect((await resolve('us-gov-west-1', '')).written).toEqual({ REGION: 'us-gov-west-1' });
  });

  it('refuses anything that is not a region name before it reaches a shell command line', async () => {
    for (const bad of [
      'eu-west',
      'EU-WEST-1',
      'eu-west-1 --param x=y',
      'eu-west-1;id',
      '$(id)',
      'eu-west-1\n--force',
    ]) {
      const result = await resolve(bad, '');
      expect(result.code, bad).not.toBe(0);
      expect(result.written, bad).toEqual({});
    }
  });
});
