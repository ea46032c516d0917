import { connect, createServer, type Socket } from 'node:net';
import { closeServer, LOOPBACK, listen } from './servers.ts';

/** A TCP relay from a loopback port to a port of the kinesis-local child. */
export interface Relay {
  readonly port: number;
  /** Stops listening and cuts every relayed connection. */
  close(): Promise<void>;
}

/**
 * Why a relay at all: kinesis-local writes its final snapshot on SIGTERM only once every client
 * connection is closed, and it waits up to 30 s for that. SDK clients keep idle keep-alive (and
 * EFO HTTP/2) connections open that the harness does not own; closing the relay closes them all.
 * `target` is read per connection because the child's port is only known after it is spawned.
 */
export async function startRelay(port: number, target: () => number): Promise<Relay> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer({ noDelay: true }, (client) => {
    const upstream = connect({ port: target(), host: LOOPBACK, noDelay: true });
    track(client);
    track(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', cut);
    upstream.once('error', cut);
    client.pipe(upstream).pipe(client);
  });
  const boundPort = await listen(server, port, LOOPBACK);
  return {
    port: boundPort,
    async close() {
      const closed = closeServer(server);
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
