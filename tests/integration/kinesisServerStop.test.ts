import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { KinesisApi } from '../../local/kinesis/engine/api.ts';
import { startKinesisServer } from '../../local/kinesis/server/kinesisServer.ts';
import { jsonHeaders } from './kinesisServerWire.ts';

// Stopping the server: idle connections are closed at once, requests in flight still get their
// answer. The grace period is set far beyond the test timeout, so a close that waits for it hangs
// the test instead of passing slowly.
const NEVER_MS = 600_000;

/** A stand-in engine whose ListStreams answers only when the test lets it. */
function heldEngine() {
  let release: () => void = () => {};
  let started: () => void = () => {};
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const api = {
    listStreams: async () => {
      started();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { StreamNames: ['held'], HasMoreStreams: false };
    },
  } as unknown as KinesisApi;
  return { api, running, release: () => release() };
}

function post(port: number, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/',
      headers: jsonHeaders('ListStreams'),
      agent,
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    request.end('{}');
  });
}

describe('stopping the server', () => {
  it('closes an idle keep-alive HTTP/1.1 connection at once', async () => {
    const held = heldEngine();
    const server = await startKinesisServer(held.api, { port: 0, closeGraceMs: NEVER_MS, log: () => {} });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const answered = post(server.port, agent);
    await held.running;
    held.release();
    expect((await answered).status).toBe(200);
    // The agent now keeps the socket idle; close must not wait for it.
    await server.close();
    agent.destroy();
  });

  it('closes an idle HTTP/2 session at once', async () => {
    const held = heldEngine();
    const server = await startKinesisServer(held.api, { port: 0, closeGraceMs: NEVER_MS, log: () => {} });
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    session.on('error', () => {});
    await new Promise((resolve) => session.once('connect', resolve));
    const ended = new Promise((resolve) => session.once('close', resolve));
    await server.close();
    await ended;
  });

  it('closes a connection that never sent a byte at once', async () => {
    const held = heldEngine();
    const server = await startKinesisServer(held.api, { port: 0, closeGraceMs: NEVER_MS, log: () => {} });
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => {});
    await server.close();
    await ended;
  });

  it('lets a request in flight finish, then closes its connection', async () => {
    const held = heldEngine();
    const server = await startKinesisServer(held.api, { port: 0, closeGraceMs: NEVER_MS, log: () => {} });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const answered = post(server.port, agent);
    await held.running;
    const closed = server.close();
    held.release();
    expect(await answered).toMatchObject({ status: 200, body: expect.stringContaining('held') });
    await closed;
    agent.destroy();
  });
});
