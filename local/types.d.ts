// Minimal typings for the in-process emulators, which ship none: only what local/emulators uses.

declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** LevelDB directory; in memory when absent. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }

  /** An http.Server whose close() also closes the LevelDB store. */
  export default function dynalite(options?: DynaliteOptions): Server;
}

declare module 's3rver' {
  import type { RequestListener } from 'node:http';

  interface S3rverOptions {
    directory?: string;
    silent?: boolean;
    resetOnClose?: boolean;
    vhostBuckets?: boolean;
  }

  /** A Koa application; `callback()` is its request listener. */
  export default class S3rver {
    constructor(options?: S3rverOptions);
    callback(): RequestListener;
    on(event: 'error', listener: (error: Error & { status?: number }) => void): this;
  }
}
