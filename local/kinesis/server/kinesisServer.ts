import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { KinesisApi } from '../engine/api.ts';
import { KinesisServerError } from './errors.ts';
import { createRequestHandler, type WireRequest } from './handleRequest.ts';
import { OpenConnections } from './openConnections.ts';
import { sniffProtocol } from './protocolSniffer.ts';
import { OpenSubscriptions } from './serveSubscription.ts';
import type { WireResponse } from './wireResponse.ts';

export interface KinesisServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Largest request body; default 16 MiB (a 10 MiB PutRecords, base64-encoded, fits). */
  maxBodyBytes?: number;
  /** How long `close()` lets in-flight requests finish before cutting their connections (default 2 s). */
  closeGraceMs?: number;
  log?: (line: string) => void;
}

export interface KinesisServer {
  readonly port: number;
  /** Stops accepting, ends open subscriptions, lets in-flight requests finish, then closes every connection. */
  close(): Promise<void>;
}

const DEFAULTS = { host: '127.0.0.1', maxBodyBytes: 16 * 1024 * 1024 };
/** How long `close()` lets in-flight requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 2_000;
/**
 * Idle HTTP/1.1 connections stay open longer than Node's 5 s default: clients without SDK retries
 * (the project's own) would otherwise now and then send on a socket the server is just closing.
 */
const KEEP_ALIVE_MS = 65_000;
/** A request whose body stalls is dropped after this long (a 16 MiB body takes milliseconds locally). */
const REQUEST_TIMEOUT_MS = 60_000;
/** Larger HTTP/2 flow-control windows than the 64 KiB default, so multi-MiB bodies flow without stalls. */
const HTTP2_WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * Serves a `KinesisApi` on one TCP port speaking HTTP/1.1 (AWS CLI, `NodeHttpHandler`) and
 * cleartext HTTP/2 with prior knowledge (the SDK v3 Kinesis client's default `NodeHttp2Handler`),
 * told apart by each connection's first bytes.
 *
 * @example
 * const server = await startKinesisServer(engine, { port: 0 });
 * const endpoint = `http://127.0.0.1:${server.port}`;
 * await server.close();
 */
export async function startKinesisServer(api: KinesisApi, options: KinesisServerOptions): Promise<KinesisServer> {
  const host = options.host ?? DEFAULTS.host;
  const log = options.log ?? ((line: string) => console.error(line));
  const subscriptions = new OpenSubscriptions();
  const handler = createRequestHandler({
    api,
    subscriptions,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    log,
  });
  const serve = handler as (req: WireRequest, res: WireResponse) => void;
  const http1 = http.createServer(
    { keepAliveTimeout: KEEP_ALIVE_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    serve as unknown as http.RequestListener,
  );
  const h2 = http2.createServer(
    { settings: { initialWindowSize: HTTP2_WINDOW_BYTES }, maxSessionMemory: 64 },
    serve as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.once('connect', () => session.setLocalWindowSize(HTTP2_WINDOW_BYTES * 4));
  });
  const connections = new OpenConnections();
  http1.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => connections.request(req.socket, res));
  const listener = net.createServer((socket) => {
    connections.add(socket);
    sniffProtocol(socket, (protocol) => {
      connections.routed(socket, protocol);
      (protocol === 'http2' ? h2 : http1).emit('connection', socket);
    });
  });
  const port = await listen(listener, host, options.port);

  return {
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      subscriptions.abortAll();
      http1.close();
      connections.closeIdle();
      for (const session of sessions) session.close();
      await allClosed(connections, options.closeGraceMs ?? CLOSE_GRACE_MS);
      for (const socket of connections.all()) socket.destroy();
      await closed;
    },
  };
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(new KinesisServerError(`Cannot listen on ${host}:${port}: ${error.message}`, { cause: error })),
    );
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Resolves once every socket has closed, or after `graceMs`, whichever is first. */
function allClosed(connections: OpenConnections, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const sockets = connections.all();
    const timer = setTimeout(finish, graceMs);
    // The tracker forgets a socket on its own 'close' listener, registered before this one.
    const check = (): void => {
      if (connections.size === 0) finish();
    };
    function finish(): void {
      clearTimeout(timer);
      for (const socket of sockets) socket.off('close', check);
      resolve();
    }
    for (const socket of sockets) socket.on('close', check);
    check();
  });
}
