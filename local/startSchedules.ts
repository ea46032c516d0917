import { randomUUID } from 'node:crypto';
import type { LocalApp, LocalSchedule } from './app/model.ts';
import type { Invoke } from './lambda/types.ts';

export interface ScheduleDependencies {
  invoke: Invoke;
  region: string;
  accountId: string;
  log: (line: string) => void;
  /** Test hook: the clock the period is measured on. Default: real timers. */
  setInterval?: (run: () => void, ms: number) => { unref(): void } | NodeJS.Timeout;
  clearInterval?: (timer: unknown) => void;
}

/**
 * Runs every schedule rule of the app as EventBridge does: its target functions are invoked once
 * per period (the first time one period after start, as a new rule does) with a "Scheduled Event".
 * Like EventBridge, a run does not wait for the previous one; unlike it, there is no retry of a
 * failed invocation (the next period runs anyway), which the log line reports.
 *
 * @example
 * const schedules = startSchedules(app, { invoke: lambda.invoke, region, accountId, log });
 * await schedules.stop(); // no new runs; waits for the ones in flight
 */
export function startSchedules(
  app: Pick<LocalApp, 'schedules'>,
  deps: ScheduleDependencies,
): { stop(): Promise<void> } {
  const every = deps.setInterval ?? setInterval;
  const clear = deps.clearInterval ?? ((timer: unknown) => clearInterval(timer as NodeJS.Timeout));
  const inFlight = new Set<Promise<void>>();
  const timers = app.schedules.map((schedule) =>
    every(() => {
      for (const functionLogicalId of schedule.functionLogicalIds) {
        const run = invokeOnce(schedule, functionLogicalId, deps).finally(() => inFlight.delete(run));
        inFlight.add(run);
      }
    }, schedule.periodMs),
  );
  return {
    stop: async () => {
      for (const timer of timers) clear(timer);
      await Promise.all(inFlight);
    },
  };
}

async function invokeOnce(schedule: LocalSchedule, functionLogicalId: string, deps: ScheduleDependencies) {
  const result = await deps.invoke(functionLogicalId, scheduledEvent(schedule, deps));
  const outcome = result.ok ? 'ok' : `failed: ${result.error.errorType}: ${result.error.errorMessage}`;
  deps.log(`${functionLogicalId} <- ${schedule.expression} (${result.durationMs} ms) ${outcome}`);
}

/**
 * The event EventBridge sends for a schedule.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
 */
export function scheduledEvent(
  schedule: Pick<LocalSchedule, 'logicalId'>,
  deps: Pick<ScheduleDependencies, 'region' | 'accountId'>,
) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: deps.accountId,
    // Whole seconds, as EventBridge writes it.
    time: `${new Date().toISOString().slice(0, 19)}Z`,
    region: deps.region,
    resources: [`arn:aws:events:${deps.region}:${deps.accountId}:rule/${schedule.logicalId}`],
    detail: {},
  };
}
