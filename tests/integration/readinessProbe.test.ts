import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitForDynamoDb } from '../../local/emulators/probes.ts';

/**
 * The warning `@smithy/node-http-handler - [WARN] a request has exceeded the configured 2000 ms
 * requestTimeout` that `npm start` printed before its banner on a restart (issue 13, point 9): the
 * readiness probe's ListTables, when dynalite took more than 2 s to answer its first request
 * (LevelDB opens the data on the first request; a busy machine, a large log to replay). The SDK
 * only warns about a request past its requestTimeout and keeps waiting, unless told to throw; the
 * probe is meant to be one short attempt per poll, with the poll loop as the retry policy.
 */

let server: Server | undefined;
/** Requests the slow endpoint has had. */
let requests = 0;
afterEach(() => {
  server?.close();
  vi.restoreAllMocks();
});

/** A DynamoDB endpoint that answers its first request after 3 s (as dynalite while LevelDB opens), later ones at once. */
async function slowFirstAnswer(): Promise<string> {
  requests = 0;
  server = createServer((req, res) => {
    req.resume();
    requests += 1;
    const answer = () => {
      if (res.destroyed) return;
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      res.end('{"TableNames":[]}');
    };
    if (requests === 1) setTimeout(answer, 3_000);
    else answer();
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the DynamoDB readiness probe', () => {
  it('gives up on a request past its timeout and asks again, without the SDK warning on the console', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await waitForDynamoDb(await slowFirstAnswer(), { region: 'us-east-1', timeoutMs: 30_000 });
    expect(warn.mock.calls.flat().join('\n')).not.toContain('requestTimeout');
    expect(requests, 'the probe asked again after giving up on the slow first request').toBeGreaterThanOrEqual(2);
  });
});
