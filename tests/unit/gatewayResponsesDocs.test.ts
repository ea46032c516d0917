import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewayResponse } from '../../local/httpApi/gatewayResponses.ts';
import { PROJECT_ROOT } from '../../local/projectRoot.ts';

/**
 * The README describes every body a caller can get. API Gateway writes 401 and 404 itself, before
 * any function runs, as `{"message": ...}` alone (the local HTTP API writes the same, see
 * local/httpApi/gatewayResponses.ts); the functions' own errors are `{ code, message, results }`.
 */

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

/** The text of a `## ` section of the README, from its heading to the next. */
function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}`);
  expect(start, `README section "${heading}"`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

const body = (kind: 'unauthorized' | 'notFound') => gatewayResponse(kind).body.toString('utf8');

describe("the README on API Gateway's own answers", () => {
  it.each(['POST /events', 'Query API and dashboard'])('"%s" shows the 401 and 404 bodies as they are', (heading) => {
    const text = section(heading);
    expect(body('unauthorized')).toBe('{"message":"Unauthorized"}');
    expect(body('notFound')).toBe('{"message":"Not Found"}');
    expect(text).toContain(`401 \`${body('unauthorized')}\``);
    expect(text).toContain(`404 \`${body('notFound')}\``);
  });

  it('does not list 401 among the errors shaped { code, message, results: [] }', () => {
    const shaped = /Whole-body errors \(([^)]*)\) have `\{ code, message, results: \[\] \}`/.exec(
      section('POST /events'),
    );
    expect(shaped, 'the sentence on the shape of whole-body errors').not.toBeNull();
    expect(shaped?.[1]?.split(/,\s*/)).not.toContain('401');
  });
});
