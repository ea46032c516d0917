import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../local/emulators.ts';
import type { LocalRuntime } from '../../local/runtime.ts';
import { anEvent } from '../helpers/events.ts';
import { postEvents, startTestPipeline } from '../helpers/localPipeline.ts';

/**
 * The dashboard in a real browser against the whole local pipeline: events posted over HTTP go
 * through Kinesis to the aggregate and alert consumers, and the page served at GET / shows them
 * through the query API, under its own Content-Security-Policy.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`dashboard e2e skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);

const SCREENSHOT = join(import.meta.dirname, 'artifacts', 'dashboard.png');
const TYPES = ['page_view', 'click', 'purchase', 'error'];

let runtime: LocalRuntime;
let browser: Browser;

describe.skipIf(!HAS_CHROMIUM)('the dashboard in headless Chromium', () => {
  beforeAll(async () => {
    runtime = await startTestPipeline('dashboard');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  /**
   * A page that records every problem a user would see in the browser's console or network panel:
   * console errors (Content-Security-Policy violations, "Failed to load resource", a missing
   * favicon), uncaught script errors, requests that failed and responses of 400 or more. `expected`
   * names the URLs whose failure the test itself provokes (a refused token's API calls).
   */
  async function openPage(
    url: string,
    expected: (url: string) => boolean = () => false,
  ): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    // Without the fragment: a page's own URL carries the token until the client removes it.
    const shown = (address: string) => address.replace(/#.*/, '');
    page.on('console', (message) => {
      if (message.type() === 'error' && !expected(message.location().url)) {
        problems.push(`console: ${message.text()} (${shown(message.location().url)})`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      if (!expected(request.url())) problems.push(`failed: ${shown(request.url())} (${request.failure()?.errorText})`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400 && !expected(response.url())) {
        problems.push(`HTTP ${response.status()}: ${shown(response.url())}`);
      }
    });
    await page.goto(url);
    return { page, problems };
  }

  it('charts the posted types, lists the error-burst alert, and keeps the token out of the URL', async () => {
    const now = Date.now();
    const minutesAgo = (minutes: number) => new Date(now - minutes * 60_000).toISOString();
    // Spread over the last 40 minutes of event time, so the chart shows a shape (and the screenshot too).
    const events = [
      ...Array.from({ length: 240 }, (_, i) =>
        anEvent({ type: 'page_view', id: `dash-pv-${i}`, time: minutesAgo((i * 7) % 40) }),
      ),
      ...Array.from({ length: 90 }, (_, i) =>
        anEvent({ type: 'click', id: `dash-click-${i}`, time: minutesAgo(i % 30) }),
      ),
      ...Array.from({ length: 20 }, (_, i) =>
        anEvent({ type: 'purchase', id: `dash-buy-${i}`, value: 20 + i, time: minutesAgo((i * 3) % 40) }),
      ),
      // Six errors from one source within six seconds: the shipped error-burst rule fires.
      ...Array.from({ length: 6 }, (_, i) =>
        anEvent({
          type: 'error',
          source: 'checkout',
          id: `dash-err-${i}`,
          time: new Date(now - 6_000 + i * 1_000).toISOString(),
        }),
      ),
    ];
    const posted = await postEvents(runtime.endpoints, JSON.stringify(events));
    expect(posted.status).toBe(200);

    const { page, problems } = await openPage(`${runtime.endpoints.httpApi}/#token=${runtime.endpoints.token}`);
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate<string[]>('Object.keys(localStorage)')).toContain('kinesis-pipeline.token');
    // The page names its own icon, and the icon loads under the page's CSP: the browser has no
    // reason to ask for /favicon.ico (a 404, logged as a console error).
    const icon = await page.evaluate<string>(`new Promise((resolve) => {
      const link = document.querySelector('link[rel~="icon"]');
      if (!link) return resolve('no icon declared');
      const image = new Image();
      image.onload = () => resolve(image.naturalWidth > 0 ? 'loaded' : 'empty');
      image.onerror = () => resolve('refused or broken');
      image.src = link.href;
    })`);
    expect(icon).toBe('loaded');

    // The page refreshes every 5 s; the consumers need a moment to see the records.
    const canvas = page.locator('#events-chart');
    const drawn = await pollUntil(
      async () => {
        const types = JSON.parse((await canvas.getAttribute('data-types')) ?? '[]') as string[];
        const total = Number(await canvas.getAttribute('data-total'));
        return TYPES.every((type) => types.includes(type)) && total >= events.length ? { types, total } : undefined;
      },
      { what: `the chart drawn with ${TYPES.join(', ')} and ${events.length} events`, timeoutMs: 60_000 },
    );
    expect([...drawn.types].sort()).toEqual([...TYPES].sort());
    expect(drawn.total).toBe(events.length);
    // Each type in a colour of its own.
    const colours = JSON.parse((await canvas.getAttribute('data-colours')) ?? '{}') as Record<string, string>;
    expect(Object.keys(colours).sort()).toEqual([...TYPES].sort());
    expect(new Set(Object.values(colours)).size).toBe(TYPES.length);
    const box = await canvas.boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.height).toBeGreaterThan(100);
    // And really painted: a good share of the canvas's pixels are coloured (bars, not just axes).
    const coloured = await page.evaluate<number>(`(() => {
      const canvas = document.querySelector('#events-chart');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) count += 1;
      }
      return count / (canvas.width * canvas.height);
    })()`);
    expect(coloured).toBeGreaterThan(0.02);

    const alert = page.locator('#alerts li.alert.firing', { hasText: 'error-burst' });
    await alert.first().waitFor({ timeout: 60_000 });
    await expect(alert.first().textContent()).resolves.toContain('source checkout');
    await expect(page.locator('#total').textContent()).resolves.toBe(events.length.toLocaleString('en-US'));
    await expect(page.locator('#totals li').count()).resolves.toBe(TYPES.length);

    await mkdir(join(import.meta.dirname, 'artifacts'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Phone width: one column, the chart as wide as the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    // Chart.js follows its container's size on the next resize observation.
    const narrow = await pollUntil(
      async () => {
        const size = await canvas.boundingBox();
        return size && size.width <= 390 ? size : undefined;
      },
      { what: 'the chart resized to the phone width', timeoutMs: 5_000 },
    );
    expect(narrow.width).toBeGreaterThan(300);
    const [totals, alerts] = [await page.locator('#totals').boundingBox(), await page.locator('#alerts').boundingBox()];
    expect(alerts?.y).toBeGreaterThan((totals?.y ?? 0) + (totals?.height ?? 0));

    expect(problems).toEqual([]);
    await page.close();
  });

  it('forgets a refused token and asks for another', async () => {
    // The bad token's API calls answer 401, and the browser logs each: those are expected, and
    // only those, until the real token is pasted.
    let refusing = true;
    const { page, problems } = await openPage(
      `${runtime.endpoints.httpApi}/#token=kp_not-a-real-token`,
      (url) => refusing && /\/(aggregates|alerts)\?/.test(url),
    );
    const form = page.locator('#token-form');
    await form.waitFor({ state: 'visible', timeout: 20_000 });
    await expect(page.locator('#token-message').textContent()).resolves.toMatch(/refused the token/);
    expect(await page.evaluate<string | null>("localStorage.getItem('kinesis-pipeline.token')")).toBeNull();
    // Both refused calls (aggregates and alerts, made together) have answered.
    await page.waitForLoadState('networkidle');
    refusing = false;

    // Pasting the real token shows the dashboard.
    await page.fill('#token-input', runtime.endpoints.token);
    await page.click('#token-form button[type=submit]');
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await page.locator('#events-chart[data-types]').waitFor({ state: 'attached', timeout: 20_000 });
    expect(problems).toEqual([]);
    await page.close();
  });
});
