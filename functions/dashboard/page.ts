import { createHash } from 'node:crypto';
import type { HttpResponse } from '../../shared/http/jsonResponse.ts';

/**
 * The dashboard page: static HTML with the client script and the styles inline, locked down by a
 * Content-Security-Policy that allows exactly those two inline blocks (by hash), same-origin
 * API calls and the inline icon (a data: image), nothing else: no other script, style, frame,
 * form target or plugin.
 */

const STYLE = `
:root { color-scheme: light dark; --bg: #f8fafc; --card: #fff; --text: #0f172a; --muted: #64748b; --line: #e2e8f0;
  --firing: #dc2626; --firing-bg: #fef2f2; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
@media (prefers-color-scheme: dark) { :root { --bg: #0f172a; --card: #1e293b; --text: #e2e8f0; --muted: #94a3b8;
  --line: #334155; --firing-bg: #450a0a; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .75rem 1rem;
  border-bottom: 1px solid var(--line); background: var(--card); }
h1 { font-size: 1.1rem; margin: 0; }
h2 { font-size: .95rem; margin: 0 0 .75rem; color: var(--muted); font-weight: 600; }
#status { color: var(--muted); font-size: .85rem; flex: 1; }
#status.error { color: var(--firing); }
main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
button { font: inherit; padding: .4rem .8rem; border-radius: .4rem; border: 1px solid var(--line);
  background: var(--card); color: var(--text); cursor: pointer; }
#dashboard { display: grid; grid-template-columns: 1fr 2fr; gap: 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .6rem; padding: 1rem; min-width: 0; }
.chart { grid-column: 1 / -1; }
.chart-box { position: relative; height: 320px; }
.big { font-size: 2rem; font-weight: 700; margin: 0 0 .5rem; }
ul { list-style: none; margin: 0; padding: 0; }
#totals li { display: flex; justify-content: space-between; padding: .3rem 0; border-bottom: 1px solid var(--line); }
.type { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
.empty { color: var(--muted); }
.alert { padding: .5rem .6rem; margin-bottom: .5rem; border-radius: .4rem; border-left: 4px solid var(--line); }
.alert.firing { border-left-color: var(--firing); background: var(--firing-bg); }
.alert-head { display: flex; flex-wrap: wrap; gap: .5rem; align-items: baseline; }
.alert .state { text-transform: uppercase; font-size: .75rem; font-weight: 700; }
.alert.firing .state { color: var(--firing); }
.alert-detail { overflow-wrap: anywhere; }
.alert time { color: var(--muted); font-size: .8rem; }
.badge { font-size: .75rem; padding: 0 .4rem; border-radius: .3rem; border: 1px solid currentColor; }
.badge.critical { color: var(--firing); }
.badge.warning { color: #d97706; }
form { background: var(--card); border: 1px solid var(--line); border-radius: .6rem; padding: 1rem; max-width: 32rem; }
form input { width: 100%; font: inherit; padding: .5rem; margin: .5rem 0; border: 1px solid var(--line);
  border-radius: .4rem; background: var(--bg); color: var(--text); }
[hidden] { display: none !important; }
@media (max-width: 700px) { #dashboard { grid-template-columns: 1fr; } main { padding: .5rem; }
  .chart-box { height: 240px; } }
`;

/**
 * The page's icon, inline: with it the browser never asks for /favicon.ico, which no route serves
 * (the request would fail and log an error in the console). A bar chart on the chart's blue.
 */
const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2563eb"/>' +
  '<path fill="#fff" d="M7 25h4V15H7zm7 0h4V7h-4zm7 0h4V12h-4z"/></svg>';
const ICON_HREF = `data:image/svg+xml,${encodeURIComponent(ICON_SVG)}`;

/** Where the client script goes; it must not be able to end the inline script element early. */
function assertInlineSafe(script: string): void {
  if (/<\/script|<!--/i.test(script)) {
    throw new Error('the dashboard client contains "</script" or "<!--" and cannot be inlined');
  }
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The Content-Security-Policy for a page whose only inline blocks are `script` and `style`.
 *
 * @example
 * contentSecurityPolicy('(()=>{})();', 'body{}'); // "default-src 'none'; script-src 'sha256-…'; ..."
 */
export function contentSecurityPolicy(script: string, style: string): string {
  return [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    "connect-src 'self'",
    // The inline icon (ICON_HREF): CSP cannot allow an image by hash.
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The HTML response of GET /, with `script` (the built client) inline.
 *
 * @example
 * dashboardPage(await clientScript()); // { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', ... }, body }
 */
export function dashboardPage(script: string): HttpResponse {
  assertInlineSafe(script);
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy(script, STYLE),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body: html(script),
  };
}

const html = (script: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kinesis-pipeline dashboard</title>
<link rel="icon" type="image/svg+xml" href="${ICON_HREF}">
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>kinesis-pipeline</h1>
<span id="status" role="status" aria-live="polite"></span>
<button id="forget-token" type="button">Forget token</button>
</header>
<main>
<form id="token-form" hidden>
<label for="token-input">API token</label>
<input id="token-input" name="token" type="password" autocomplete="off" spellcheck="false" required>
<p id="token-message"></p>
<button type="submit">Show dashboard</button>
</form>
<div id="dashboard" hidden>
<section class="card chart">
<h2>Events per minute, last hour</h2>
<div class="chart-box"><canvas id="events-chart" role="img" aria-label="Events per minute per type, last hour"></canvas></div>
</section>
<section class="card">
<h2>Events, last hour</h2>
<p class="big" id="total">–</p>
<ul id="totals"></ul>
</section>
<section class="card">
<h2>Newest alerts</h2>
<ul id="alerts"></ul>
</section>
</div>
</main>
<script>${script}</script>
</body>
</html>
`;
