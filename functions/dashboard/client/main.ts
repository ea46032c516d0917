import { queryApi, TokenRefusedError } from './api.ts';
import { browser, type InputElement } from './browser.ts';
import { byId } from './dom.ts';
import { eventsChart } from './eventsChart.ts';
import { eventsSeries, lastWindows } from './series.ts';
import { tokenKeeper } from './token.ts';
import { showAlerts, showTotals } from './views.ts';

/**
 * The dashboard in the browser: a token (from `#token=...`, localStorage or the form), then every
 * REFRESH_MS the last hour of aggregates and the newest alerts. A 401 forgets the token and shows
 * the form again; any other failure is shown and retried at the next refresh.
 */

const REFRESH_MS = 5_000;
const MINUTES = 60;
const ALERTS_SHOWN = 20;

const tokens = tokenKeeper(browser.localStorage);
const form = byId('token-form');
const input = byId<InputElement>('token-input');
const formMessage = byId('token-message');
const dashboard = byId('dashboard');
const status = byId('status');
const forget = byId('forget-token');
const chart = eventsChart(byId('events-chart'));
/** Bumped on every sign-in and sign-out, so a refresh loop of an old token stops. */
let session = 0;

function showForm(message: string): void {
  session += 1;
  dashboard.hidden = true;
  forget.hidden = true;
  form.hidden = false;
  formMessage.textContent = message;
  status.textContent = '';
  input.focus();
}

function showDashboard(token: string): void {
  session += 1;
  form.hidden = true;
  dashboard.hidden = false;
  forget.hidden = false;
  void refreshLoop(token, session);
}

async function refreshLoop(token: string, mySession: number): Promise<void> {
  const api = queryApi(token);
  while (mySession === session) {
    try {
      const now = Date.now();
      const windows = lastWindows(now, MINUTES);
      const [rows, alerts] = await Promise.all([
        api.aggregates(windows[0] ?? new Date(now).toISOString(), new Date(now).toISOString()),
        api.alerts(ALERTS_SHOWN),
      ]);
      if (mySession !== session) return;
      const series = eventsSeries(rows, windows);
      chart.show(series);
      showTotals(byId('total'), byId('totals'), series);
      showAlerts(byId('alerts'), alerts);
      status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
      status.classList.toggle('error', false);
    } catch (error) {
      if (mySession !== session) return;
      if (error instanceof TokenRefusedError) {
        tokens.clear();
        showForm('The API refused the token. Paste a valid one.');
        return;
      }
      status.textContent = `Refresh failed (${(error as Error).message}); retrying`;
      status.classList.toggle('error', true);
    }
    await new Promise<void>((resolve) => browser.setTimeout(resolve, REFRESH_MS));
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = input.value.trim();
  if (token === '') return;
  input.value = '';
  tokens.set(token);
  showDashboard(token);
});

forget.addEventListener('click', () => {
  tokens.clear();
  showForm('Token forgotten. Paste a token to continue.');
});

const token = tokens.adoptFromUrl(browser.location, browser.history) ?? tokens.get();
if (token) showDashboard(token);
else showForm('Paste an API token to see the dashboard.');
