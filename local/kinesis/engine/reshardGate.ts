/**
 * Orders appends against shard layout changes of one stream: appends run concurrently with each
 * other (storage batches them), a layout change (split, merge, scaling, deletion) waits for the
 * appends in flight, runs alone, and appends that arrive meanwhile wait for it. So a record is
 * routed and appended under one layout, and a closed shard is never appended to.
 */
export class ReshardGate {
  private appending = 0;
  private drained: (() => void) | undefined;
  private exclusive: Promise<void> | undefined;

  /**
   * Runs `append` under the current layout. `route` runs synchronously first (no layout change can
   * slip in between routing and appending).
   * @example await gate.shared(() => store.append(entries))
   */
  async shared<T>(append: () => Promise<T>): Promise<T> {
    while (this.exclusive) await this.exclusive;
    this.appending++;
    try {
      return await append();
    } finally {
      this.appending--;
      if (this.appending === 0) this.drained?.();
    }
  }

  /** Runs `change` once no append is in flight, holding new appends until it ends. */
  async exclusiveRun<T>(change: () => Promise<T> | T): Promise<T> {
    while (this.exclusive) await this.exclusive;
    let release: () => void = () => {};
    this.exclusive = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      if (this.appending > 0) {
        await new Promise<void>((resolve) => {
          this.drained = resolve;
        });
        this.drained = undefined;
      }
      return await change();
    } finally {
      this.exclusive = undefined;
      release();
    }
  }
}
