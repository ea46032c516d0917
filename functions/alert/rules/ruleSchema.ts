import { z } from 'zod';
import { GROUP_BY, SEVERITIES } from '../../../shared/alerts/alertItem.ts';
import { AlertRulesError } from '../errors.ts';

/**
 * The alert rules document (`alert-rules.json`), field by field in `README.md` next to it.
 * Checked twice with the same schema: at packaging (the osls plugin `serverlessPlugin.cjs`) and at
 * cold start (`loadRules`). Every object is strict: an unknown or misspelt field is refused rather
 * than silently ignored.
 */

/** Exact string, one of a list, or a prefix. */
const stringCondition = z.union([
  z.string().min(1),
  z.strictObject({ in: z.array(z.string().min(1)).min(1).max(100) }),
  z.strictObject({ prefix: z.string().min(1) }),
]);

const valueCondition = z
  .strictObject({
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    eq: z.number().optional(),
  })
  .refine((condition) => Object.keys(condition).length > 0, 'give at least one of gt, gte, lt, lte, eq')
  .refine(isSatisfiable, 'no number satisfies these bounds together');

/** What an event must look like to match: every condition given must hold (AND). */
const predicate = z
  .strictObject({
    type: stringCondition.optional(),
    source: stringCondition.optional(),
    subject: stringCondition.optional(),
    value: valueCondition.optional(),
  })
  .refine(
    (match) => Object.keys(match).length > 0,
    'an empty predicate would match every event: give at least one of type, source, subject, value',
  );

const ruleFields = {
  /** Lower-case slug, unique in the document; part of every alert key, so renaming starts a new alert. */
  id: z
    .string()
    .max(64)
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a lower-case slug (a-z, 0-9, single dashes)'),
  description: z.string().min(1).max(500),
  severity: z.enum(SEVERITIES),
  groupBy: z.enum(GROUP_BY),
  match: predicate,
  /** Sliding window of event time (rate rules); how long an alert stays firing after its last match. */
  windowSeconds: z.int().min(1).max(86_400),
  /** Overrides ALERT_COOLDOWN_SECONDS: least time between two firings of one alert. */
  cooldownSeconds: z.int().min(0).max(604_800).optional(),
};

const eventRule = z.strictObject({ kind: z.literal('event'), ...ruleFields });
const rateRule = z.strictObject({ kind: z.literal('rate'), ...ruleFields, threshold: z.int().min(2).max(1000) });

export const alertRuleSchema = z.discriminatedUnion('kind', [eventRule, rateRule]);

export const alertRulesDocumentSchema = z
  .strictObject({ version: z.literal(1), rules: z.array(alertRuleSchema).max(100) })
  .superRefine((document, context) => {
    const seen = new Set<string>();
    document.rules.forEach((rule, index) => {
      if (seen.has(rule.id)) {
        context.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: `duplicate rule id "${rule.id}"` });
      }
      seen.add(rule.id);
    });
  });

export type AlertRule = z.infer<typeof alertRuleSchema>;
export type RulePredicate = AlertRule['match'];
export type StringCondition = z.infer<typeof stringCondition>;
export type ValueCondition = z.infer<typeof valueCondition>;

/**
 * Every problem of a rules document, one line each with its path (empty when it is valid).
 *
 * @example
 * ruleProblems({ version: 1, rules: [{ id: 'Bad Id' }] });
 * // ['rules.0.id: must be a lower-case slug (a-z, 0-9, single dashes)', 'rules.0.kind: ...']
 */
export function ruleProblems(document: unknown): string[] {
  const parsed = alertRulesDocumentSchema.safeParse(document);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(document)'}: ${issue.message}`);
}

/**
 * The rules of a valid document, or an AlertRulesError listing every problem.
 *
 * @example
 * const rules = parseRules(JSON.parse(readFileSync('alert-rules.json', 'utf8')));
 * rules.map((rule) => rule.id); // ['error-burst', 'large-value']
 */
export function parseRules(document: unknown): AlertRule[] {
  const parsed = alertRulesDocumentSchema.safeParse(document);
  if (parsed.success) return parsed.data.rules;
  throw new AlertRulesError(ruleProblems(document));
}

/** The rule's N: a rate rule's threshold, 1 for an event rule. */
export const thresholdOf = (rule: AlertRule): number => (rule.kind === 'rate' ? rule.threshold : 1);

function isSatisfiable(condition: { gt?: number; gte?: number; lt?: number; lte?: number; eq?: number }): boolean {
  const { gt, gte, lt, lte, eq } = condition;
  if (eq !== undefined) {
    return (
      (gt === undefined || eq > gt) &&
      (gte === undefined || eq >= gte) &&
      (lt === undefined || eq < lt) &&
      (lte === undefined || eq <= lte)
    );
  }
  const lower = Math.max(gt ?? Number.NEGATIVE_INFINITY, gte ?? Number.NEGATIVE_INFINITY);
  const upper = Math.min(lt ?? Number.POSITIVE_INFINITY, lte ?? Number.POSITIVE_INFINITY);
  const lowerOpen = gt !== undefined && gt >= (gte ?? Number.NEGATIVE_INFINITY);
  const upperOpen = lt !== undefined && lt <= (lte ?? Number.POSITIVE_INFINITY);
  return lower < upper || (lower === upper && !lowerOpen && !upperOpen);
}
