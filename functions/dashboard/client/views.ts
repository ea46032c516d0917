import type { PageElement } from './browser.ts';
import { el } from './dom.ts';
import type { AlertRow, EventsSeries } from './series.ts';

/**
 * The totals of the last hour: the sum, then one row per type.
 *
 * @example
 * showTotals(byId('total'), byId('totals'), series);
 */
export function showTotals(total: PageElement, list: PageElement, series: EventsSeries): void {
  total.textContent = series.total.toLocaleString();
  list.replaceChildren(
    ...(series.totals.length === 0
      ? [el('li', { className: 'empty', text: 'No events in the last hour.' })]
      : series.totals.map(({ type, count }) =>
          el('li', {}, [el('span', { className: 'type', text: type }), el('span', { text: count.toLocaleString() })]),
        )),
  );
}

/**
 * The newest alerts, firing ones highlighted (`.alert.firing`).
 *
 * @example
 * showAlerts(byId('alerts'), alerts);
 */
export function showAlerts(list: PageElement, alerts: readonly AlertRow[]): void {
  list.replaceChildren(
    ...(alerts.length === 0
      ? [el('li', { className: 'empty', text: 'No alerts in the last 24 hours.' })]
      : alerts.map(alertItem)),
  );
}

function alertItem(alert: AlertRow): PageElement {
  const time = el('time', { text: new Date(alert.changedAt).toLocaleString() });
  time.setAttribute('datetime', alert.changedAt);
  const matched = alert.matchedCount === undefined ? '' : `, ${alert.matchedCount} matching events`;
  const item = el('li', { className: `alert ${alert.state === 'firing' ? 'firing' : 'resolved'}` }, [
    el('div', { className: 'alert-head' }, [
      el('strong', { className: 'rule', text: alert.ruleId }),
      el('span', { className: `badge ${alert.severity}`, text: alert.severity }),
      el('span', { className: 'state', text: alert.state }),
    ]),
    el('div', { className: 'alert-detail', text: `${alert.groupBy} ${alert.group}${matched}` }),
    time,
  ]);
  item.dataset.alertKey = alert.alertKey;
  return item;
}
