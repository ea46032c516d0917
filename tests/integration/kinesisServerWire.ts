import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import { type RunningKinesisEngine, startKinesisEngine } from '../../local/kinesis/index.ts';

/** Helpers of the wire-layer tests (`kinesisServer*.test.ts`): the real engine on a free port, raw requests. */

export const TARGET = 'Kinesis_20131202.';
export const JSON_TYPE = 'application/x-amz-json-1.1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface WireEngine extends RunningKinesisEngine {
  cleanup(): Promise<void>;
}

/** The real engine on a temp dir and a free port, with fast state changes. */
export async function startWireEngine(): Promise<WireEngine> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kinesis-wire-'));
  const running = await startKinesisEngine({ dataDir, region: 'us-east-1', port: 0, stateChangeMs: 10, log: () => {} });
  return {
    ...running,
    cleanup: async () => {
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** An SDK client over HTTP/1.1 (`NodeHttpHandler`) or HTTP/2 (`NodeHttp2Handler`, the Kinesis default). */
export function sdkClient(endpoint: string, protocol: 'http1' | 'http2'): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: protocol === 'http1' ? new NodeHttpHandler() : new NodeHttp2Handler(),
  });
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP/1.1 POST, headers and body as given. */
export function postHttp1(port: number, headers: Record<string, string>, body: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers, agent: false });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    request.end(body);
  });
}

/** One raw HTTP/2 POST over a fresh cleartext (prior knowledge) session. */
export function postHttp2(port: number, headers: Record<string, string>, body: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': '/', ...headers });
    const chunks: Buffer[] = [];
    let answer: Omit<RawAnswer, 'body'> = { status: 0, headers: {} };
    stream.on('response', (responseHeaders) => {
      answer = { status: Number(responseHeaders[':status']), headers: responseHeaders };
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    // 'close' rather than 'end': a server that answers before reading the whole body resets the stream.
    stream.on('close', () => {
      session.close();
      if (answer.status === 0) reject(new Error(`stream closed without an answer (code ${stream.rstCode})`));
      else resolve({ ...answer, body: Buffer.concat(chunks).toString() });
    });
    stream.on('error', () => {});
    stream.end(body);
  });
}

/** A well-formed action call's headers. */
export const jsonHeaders = (action: string): Record<string, string> => ({
  'content-type': JSON_TYPE,
  'x-amz-target': `${TARGET}${action}`,
});

/** Polls `check` until it returns true, failing after `deadlineMs`. */
export async function eventually(check: () => Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
