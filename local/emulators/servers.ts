import type { Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * Listens (on every interface when `host` is absent) and resolves with the bound port; a bind error
 * such as EADDRINUSE rejects instead of becoming an unhandled 'error' event.
 */
export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/**
 * Ports that are free on every interface right now. They are held together while they are picked,
 * so one call never returns the same port twice; another process can still take one before use.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    // No host: a port free on every interface is free on loopback too, whoever binds it later.
    return await Promise.all(servers.map((server) => listen(server, 0)));
  } finally {
    await Promise.all(servers.filter((server) => server.listening).map(closeServer));
  }
}

/**
 * Closes an HTTP server: idle keep-alive sockets at once, requests still running after `graceMs`.
 * Without the last step one client holding a request open would stall the stop.
 */
export async function closeHttpServer(server: HttpServer, graceMs = 1_000): Promise<void> {
  const closed = closeServer(server);
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
