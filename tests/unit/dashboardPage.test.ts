import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clientScript } from '../../functions/dashboard/clientBundle.ts';
import { handler } from '../../functions/dashboard/handler.ts';
import { dashboardPage } from '../../functions/dashboard/page.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The CSP as a map of directive -> sources. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((part) => {
      const [name = '', ...sources] = part.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

const inline = (body: string, tag: string): string[] =>
  [...body.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((match) => match[1] ?? '');

describe('the dashboard page', () => {
  it('is HTML, never cached, with a CSP that allows exactly its inline script and style', () => {
    const script = '(()=>{document.title="x"})();';
    const page = dashboardPage(script);
    expect(page.statusCode).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    const csp = directives(String(page.headers?.['content-security-policy']));
    const [scriptBlock, ...moreScripts] = inline(page.body, 'script');
    const [styleBlock, ...moreStyles] = inline(page.body, 'style');
    expect(scriptBlock).toBe(script);
    expect(moreScripts).toEqual([]);
    expect(moreStyles).toEqual([]);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual([hashOf(script)]);
    expect(csp.get('style-src')).toEqual([hashOf(styleBlock ?? '')]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:']);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(String(page.headers?.['content-security-policy'])).not.toMatch(/unsafe|\*|https?:/);
  });

  it('is usable on a phone: viewport meta and a single column under 700px', () => {
    const { body } = dashboardPage('');
    expect(body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(body).toMatch(/@media \(max-width: 700px\) \{ #dashboard \{ grid-template-columns: 1fr; \}/);
    for (const id of ['events-chart', 'totals', 'alerts', 'token-form', 'token-input', 'status']) {
      expect(body).toContain(`id="${id}"`);
    }
  });

  it('names an inline SVG icon, so the browser never asks for /favicon.ico', () => {
    const { body } = dashboardPage('');
    const icons = [...body.matchAll(/<link rel="icon" type="image\/svg\+xml" href="data:image\/svg\+xml,([^"]*)">/g)];
    expect(icons).toHaveLength(1);
    expect(body.match(/<link\b/g)).toHaveLength(1);
    const svg = decodeURIComponent(icons[0]?.[1] ?? '');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 32 32">[\s\S]*<\/svg>$/);
    expect(svg).not.toMatch(/<script|\bon\w+=|href=/i);
  });

  it('refuses a script that could end its inline element early', () => {
    expect(() => dashboardPage('const a = "</script><script>alert(1)";')).toThrow(/cannot be inlined/);
    expect(() => dashboardPage('a<!--b')).toThrow(/cannot be inlined/);
  });

  it('serves the built client from the handler, built once', async () => {
    const script = await clientScript();
    expect(script.length).toBeGreaterThan(10_000);
    expect(await clientScript()).toBe(script);
    const response = await handler({ requestContext: { requestId: 'r-1' } }, lambdaContext('dashboard'));
    expect(response.statusCode).toBe(200);
    expect(inline(response.body, 'script')).toEqual([script]);
    expect(response.headers?.['content-security-policy']).toContain(hashOf(script));
  }, 30_000);
});
