import type { Socket } from 'node:net';

/** What every cleartext HTTP/2 client with prior knowledge sends first (RFC 9113, section 3.4). */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export type WireProtocol = 'http1' | 'http2';

/**
 * Reads a new connection's first bytes until they either match the HTTP/2 connection preface or
 * stop matching it, puts them back (`unshift`) and calls `route` with the protocol: HTTP/1.1 never
 * starts with `PRI *`, so one port serves both. A connection closed before deciding is dropped.
 *
 * @example
 * net.createServer((socket) => sniffProtocol(socket, (protocol) => servers[protocol].emit('connection', socket)));
 */
export function sniffProtocol(socket: Socket, route: (protocol: WireProtocol) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const compared = Math.min(seen.length, HTTP2_PREFACE.length);
    const matches = seen.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared));
    if (matches && seen.length < HTTP2_PREFACE.length) return;
    socket.off('data', onData);
    socket.off('error', onError);
    socket.pause();
    socket.unshift(seen);
    route(matches ? 'http2' : 'http1');
    // The server's own listeners are attached now; let the bytes flow to them.
    process.nextTick(() => socket.resume());
  };
  const onError = (): void => {
    socket.destroy();
  };
  socket.on('data', onData);
  socket.on('error', onError);
}
