import type { ScheduledEvent } from 'aws-lambda';
import { withMiddleware } from '../../shared/observability/middleware.ts';
import { alertDependencies } from './dependencies.ts';
import { AlertSweepError } from './errors.ts';
import { sweepAlerts } from './sweepAlerts.ts';
import { alertWriter } from './updateAlert.ts';

const deps = alertDependencies();

/**
 * The scheduled sweep (EventBridge, every minute): resolves alerts whose groups went quiet and
 * publishes notifications left pending. Throws when some alert could not be swept, so the failure
 * shows in the function's error metric; the next run tries again.
 */
export const handler = withMiddleware(
  async (_event: ScheduledEvent) => {
    const result = await sweepAlerts(deps, alertWriter(deps, deps.now()));
    if (result.failed > 0) throw new AlertSweepError(result.failed);
    return result;
  },
  { correlationIdPath: 'id' },
);
