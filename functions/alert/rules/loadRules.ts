import rulesDocument from './alert-rules.json' with { type: 'json' };
import { type AlertRule, parseRules } from './ruleSchema.ts';

/**
 * The rules shipped with the function. The JSON is imported, so esbuild bundles it with the code
 * that reads it; an invalid document throws AlertRulesError here, failing the cold start loudly
 * (packaging already refuses one through `serverlessPlugin.cjs`).
 *
 * @example
 * const rules = loadRules(); // at module scope, once per cold start
 */
export const loadRules = (): AlertRule[] => parseRules(rulesDocument);
