import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// What a newcomer copies from the README must work as written (issue 13).
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README examples', () => {
  it('sets AWS_DEFAULT_REGION next to AWS_REGION for the AWS CLI: v1 reads only the former (point 10)', () => {
    const settings = readme.match(/AWS_ACCESS_KEY_ID=local [^`\n]*/g) ?? [];
    expect(settings.length).toBeGreaterThan(0);
    for (const line of settings) {
      const region = /\bAWS_REGION=(\S+)/.exec(line)?.[1];
      expect(region, line).toBeDefined();
      expect(line).toContain(`AWS_DEFAULT_REGION=${region}`);
    }
  });

  it('names only streams the stack creates in its produce examples (point 1)', () => {
    const streams = [...readme.matchAll(/npm run produce -- [^\n`]*--stream (\S+)/g)].map((match) => match[1]);
    for (const stream of streams) expect(stream).toMatch(/^(kinesis-pipeline-[a-z0-9]+-events|<[^>]+>)$/);
    expect(readme).toMatch(/npm run produce -- [^\n`]*--stage /);
  });
});
