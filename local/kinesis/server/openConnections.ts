import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WireProtocol } from './protocolSniffer.ts';

/**
 * The server's connections and whether each is busy, so `close()` can shut idle ones at once and
 * let busy ones finish. Node's own `closeIdleConnections()` cannot be used: it only tracks
 * connections of an `http.Server` that listens itself, and ours are handed over by the protocol
 * sniffer (a kept-alive idle socket then held `close()` for its whole grace period).
 * HTTP/2 sessions need none of this: `session.close()` already waits for their open streams only.
 */
export class OpenConnections {
  /** Every socket, with its protocol once the sniffer has told it (undefined: no byte seen yet). */
  private readonly sockets = new Map<Socket, WireProtocol | undefined>();
  /** HTTP/1.1 requests not yet answered, per socket. */
  private readonly busy = new Map<Socket, number>();
  private closing = false;

  /** Tracks a new socket until it closes. */
  add(socket: Socket): void {
    this.sockets.set(socket, undefined);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.busy.delete(socket);
    });
  }

  routed(socket: Socket, protocol: WireProtocol): void {
    if (this.sockets.has(socket)) this.sockets.set(socket, protocol);
  }

  /** Marks an HTTP/1.1 socket busy until `res` is done; during close, its connection ends then. */
  request(socket: Socket, res: ServerResponse): void {
    this.busy.set(socket, (this.busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (this.busy.get(socket) ?? 1) - 1;
      if (left > 0) this.busy.set(socket, left);
      else this.busy.delete(socket);
      // end(), not destroy(): the answer's last bytes may still sit in the socket's buffer.
      if (this.closing && left <= 0) socket.end();
    });
  }

  /**
   * Starts closing: destroys sockets that never sent a byte and idle HTTP/1.1 ones; busy ones end
   * after their answer. Later connections are refused by the listener, which is closed first.
   */
  closeIdle(): void {
    this.closing = true;
    for (const [socket, protocol] of this.sockets) {
      if (protocol === undefined || (protocol === 'http1' && !this.busy.has(socket))) socket.destroy();
    }
  }

  get size(): number {
    return this.sockets.size;
  }

  all(): Socket[] {
    return [...this.sockets.keys()];
  }
}
