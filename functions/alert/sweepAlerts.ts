import type { AlertItem } from '../../shared/alerts/alertItem.ts';
import { mapConcurrent } from '../../shared/async/mapConcurrent.ts';
import { logger } from '../../shared/observability/powertools.ts';
import { queryByState } from './alertTable.ts';
import { resolveIfCleared } from './evaluateAlert.ts';
import type { AlertRule } from './rules/ruleSchema.ts';
import { type AlertWriter, updateAlert } from './updateAlert.ts';

/** How far back the sweep looks for resolved alerts whose notification is still pending. */
export const PENDING_RESOLUTION_LOOKBACK_MS = 60 * 60 * 1000;
const SWEEP_CONCURRENCY = 8;

export interface SweepDependencies {
  rules: readonly AlertRule[];
  defaultCooldownSeconds: number;
}

export interface SweepResult {
  /** Items looked at: every firing alert, plus resolved ones with a pending notification. */
  checked: number;
  resolved: number;
  /** Items whose update failed (each logged); they are tried again by the next sweep. */
  failed: number;
}

/**
 * Resolves firing alerts whose condition has cleared by processing time `writer.now` (see
 * `resolveIfCleared`), publishing one `resolved` notification each, and publishes notifications
 * left pending (firing ones, and resolutions of the last hour). Reads the `byState` index, which
 * is eventually consistent: every write is still conditional on the item's version, and a stale
 * read only costs a conflict and a consistent re-read.
 *
 * Runs at the end of every alert invocation and every minute from `sweepHandler`, so an alert
 * resolves within about a minute of its condition clearing even when its group goes quiet.
 *
 * @example
 * const { resolved } = await sweepAlerts({ rules, defaultCooldownSeconds: 300 }, writer);
 */
export async function sweepAlerts(deps: SweepDependencies, writer: AlertWriter): Promise<SweepResult> {
  const rules = new Map(deps.rules.map((rule) => [rule.id, rule]));
  const context = { now: writer.now, defaultCooldownSeconds: deps.defaultCooldownSeconds };
  const since = new Date(writer.now - PENDING_RESOLUTION_LOOKBACK_MS).toISOString();
  const [firing, pendingResolutions] = await Promise.all([
    queryByState(writer.table, 'firing'),
    queryByState(writer.table, 'resolved', { changedSince: since, pendingOnly: true }),
  ]);
  const items: AlertItem[] = [...firing, ...pendingResolutions];
  const outcomes = await mapConcurrent(items, SWEEP_CONCURRENCY, async (item) => {
    try {
      // A pending notification is re-read consistently first: the index may still show one already sent.
      const transition = await updateAlert(
        item.alertKey,
        item.notification === 'pending' ? undefined : { item },
        (stored) => (stored ? resolveIfCleared(stored, rules.get(stored.ruleId), context) : { item, changed: false }),
        writer,
      );
      return transition === 'resolved' ? 'resolved' : 'checked';
    } catch (error) {
      logger.error('sweep could not update an alert; the next sweep tries again', { alertKey: item.alertKey, error });
      return 'failed';
    }
  });
  const count = (outcome: string) => outcomes.filter((value) => value === outcome).length;
  return { checked: items.length, resolved: count('resolved'), failed: count('failed') };
}
