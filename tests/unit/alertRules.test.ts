import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertRulesError } from '../../functions/alert/errors.ts';
import { loadRules } from '../../functions/alert/rules/loadRules.ts';
import { parseRules, ruleProblems } from '../../functions/alert/rules/ruleSchema.ts';
import { errorBurstRule, rulesDocument } from '../helpers/alertRules.ts';

const errorBurst = errorBurstRule;
const documentOf = rulesDocument;

describe('alert rule schema', () => {
  it('ships the error-burst rule the tests rely on, and an event rule typical test events never match', () => {
    const rules = loadRules();
    expect(rules.find((rule) => rule.id === 'error-burst')).toEqual({ ...errorBurst, description: expect.any(String) });
    const eventRules = rules.filter((rule) => rule.kind === 'event');
    expect(eventRules.length).toBeGreaterThan(0);
    for (const rule of eventRules) expect(rule.match.value?.gt ?? rule.match.value?.gte).toBeGreaterThan(1000);
  });

  it('accepts every predicate form and an optional cooldown', () => {
    const rules = parseRules(
      documentOf(errorBurst, {
        id: 'checkout-payments',
        description: 'Failed or declined payments from checkout services.',
        kind: 'event',
        severity: 'warning',
        groupBy: 'subject',
        match: {
          type: { in: ['payment_failed', 'payment_declined'] },
          source: { prefix: 'checkout-' },
          subject: 'user-1',
          value: { gte: 0, lt: 10 },
        },
        windowSeconds: 300,
        cooldownSeconds: 0,
      }),
    );
    expect(rules.map((rule) => rule.id)).toEqual(['error-burst', 'checkout-payments']);
  });

  it.each([
    ['an empty predicate', { match: {} }, 'rules.0.match: an empty predicate'],
    ['an unknown rule field', { treshold: 5 }, 'Unrecognized key: "treshold"'],
    ['an unknown predicate field', { match: { kind: 'error' } }, 'Unrecognized key: "kind"'],
    ['a rate threshold of 1', { threshold: 1 }, 'rules.0.threshold'],
    ['a rate threshold over 1000', { threshold: 1001 }, 'rules.0.threshold'],
    ['a window over a day', { windowSeconds: 86_401 }, 'rules.0.windowSeconds'],
    ['a fractional window', { windowSeconds: 1.5 }, 'rules.0.windowSeconds'],
    ['an id that is not a slug', { id: 'Error_Burst' }, 'rules.0.id: must be a lower-case slug'],
    ['an unknown severity', { severity: 'fatal' }, 'rules.0.severity'],
    ['an unknown groupBy', { groupBy: 'type' }, 'rules.0.groupBy'],
    ['an empty value condition', { match: { value: {} } }, 'give at least one of gt, gte, lt, lte, eq'],
    ['contradictory value bounds', { match: { value: { gt: 5, lt: 3 } } }, 'no number satisfies'],
    ['an empty "in" list', { match: { type: { in: [] } } }, 'rules.0.match.type'],
    ['a negative cooldown', { cooldownSeconds: -1 }, 'rules.0.cooldownSeconds'],
  ])('refuses %s', (_name, change, problem) => {
    const problems = ruleProblems(documentOf({ ...errorBurst, ...change }));
    expect(problems.join('\n')).toContain(problem);
  });

  it('refuses a threshold on an event rule, and a rate rule without one', () => {
    const { threshold: _, ...withoutThreshold } = errorBurst;
    expect(ruleProblems(documentOf({ ...errorBurst, kind: 'event' }))).toEqual([
      'rules.0: Unrecognized key: "threshold"',
    ]);
    expect(ruleProblems(documentOf(withoutThreshold))).toEqual([expect.stringMatching(/^rules\.0\.threshold: /)]);
  });

  it('refuses duplicate ids, naming the second', () => {
    expect(ruleProblems(documentOf(errorBurst, errorBurst))).toEqual(['rules.1.id: duplicate rule id "error-burst"']);
  });

  it('throws AlertRulesError listing every problem', () => {
    const bad = documentOf({ ...errorBurst, id: 'Bad', severity: 'loud' });
    expect(() => parseRules(bad)).toThrow(AlertRulesError);
    expect(() => parseRules(bad)).toThrow(/rules\.0\.id[\s\S]*rules\.0\.severity/);
    expect(() => parseRules({ rules: [] })).toThrow(/version/);
  });
});

type PluginClass = (new (
  serverless: unknown,
  options: unknown,
) => { rulesFile: string; hooks: Record<string, () => Promise<void>> }) & {
  rulesFileProblems(file?: string): Promise<string[]>;
};
const AlertRulesPlugin = createRequire(import.meta.url)(
  '../../functions/alert/rules/serverlessPlugin.cjs',
) as PluginClass;

describe('alert rules osls plugin', () => {
  const packageHook = 'before:package:createDeploymentArtifacts';
  class ServerlessError extends Error {}
  const serverless = { classes: { Error: ServerlessError } };

  it('finds the shipped rules file valid, so packaging goes on', async () => {
    expect(await AlertRulesPlugin.rulesFileProblems()).toEqual([]);
    await expect(new AlertRulesPlugin(serverless, {}).hooks[packageHook]?.()).resolves.toBeUndefined();
  });

  it('fails packaging with the framework error class, listing every problem of a bad rules file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'alert-rules-')), 'alert-rules.json');
    await writeFile(file, JSON.stringify(documentOf({ ...errorBurst, match: {}, extra: true }, errorBurst)));
    const plugin = new AlertRulesPlugin(serverless, {});
    plugin.rulesFile = file;
    const failure = plugin.hooks[packageHook]?.();
    await expect(failure).rejects.toThrow(ServerlessError);
    await expect(failure).rejects.toThrow(
      /3 problem\(s\)[\s\S]*rules\.0\.match: an empty predicate[\s\S]*Unrecognized key: "extra"[\s\S]*rules\.1\.id: duplicate/,
    );
  });

  it('fails packaging on a file that is not JSON', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'alert-rules-')), 'alert-rules.json');
    await writeFile(file, '{ "version": 1, ');
    expect(await AlertRulesPlugin.rulesFileProblems(file)).toEqual([expect.stringMatching(/not a readable JSON file/)]);
  });
});
