import { isRecord } from '../isRecord.ts';
import { asArray, asString } from './cfn.ts';
import { TemplateError } from './errors.ts';
import type { LocalStack } from './localStack.ts';
import type { LocalFunction, LocalSchedule } from './model.ts';

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/**
 * Every enabled AWS::Events::Rule with a `rate(...)` ScheduleExpression whose targets are functions
 * of this stack (what the framework's `schedule:` event compiles to). EventBridge's singular and
 * plural units are checked as it checks them: `rate(1 minute)`, `rate(5 minutes)`. A `cron(...)`
 * schedule is refused with a TemplateError: the local runtime does not evaluate cron expressions.
 *
 * @example
 * readSchedules(stack, functions); // [{ logicalId: 'AlertSweepEventsRuleSchedule1', expression: 'rate(1 minute)', periodMs: 60000, functionLogicalIds: ['AlertSweepLambdaFunction'] }]
 */
export function readSchedules(stack: LocalStack, functions: readonly LocalFunction[]): LocalSchedule[] {
  return stack.resourcesOfType('AWS::Events::Rule').flatMap((logicalId) => {
    const at = (name: string) => stack.propertyPath(logicalId, name);
    const expression = stack.property(logicalId, 'ScheduleExpression');
    const state = stack.property(logicalId, 'State') ?? 'ENABLED';
    if (expression === undefined || state !== 'ENABLED') return [];
    const text = asString(expression, at('ScheduleExpression'));
    const match = RATE.exec(text);
    if (!match) {
      throw new TemplateError(at('ScheduleExpression'), `only rate(...) schedules run locally, not ${text}`);
    }
    const value = Number(match[1]);
    const unit = match[2] as string;
    if (value < 1 || (value === 1) !== !unit.endsWith('s')) {
      throw new TemplateError(at('ScheduleExpression'), `${text}: the unit is singular for 1, plural above`);
    }
    const targets = asArray(stack.property(logicalId, 'Targets') ?? [], at('Targets'));
    const functionLogicalIds = targets.flatMap((target, i) => {
      const arn = isRecord(target) ? target.Arn : undefined;
      const fn = functions.find((candidate) => candidate.arn === asString(arn, `${at('Targets')}[${i}].Arn`));
      return fn ? [fn.logicalId] : [];
    });
    if (functionLogicalIds.length === 0) return [];
    return [{ logicalId, expression: text, periodMs: value * (UNIT_MS[unit] ?? 0), functionLogicalIds }];
  });
}
