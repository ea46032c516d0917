/**
 * Wakes the readers waiting on a shard (subscriptions) when records are appended to it or it
 * closes: pushes happen on append, never by polling on a timer.
 */
export class AppendNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Notifications so far per shard: a reader compares it before and after a read, so an append
   * that lands between its read and its wait is not missed. */
  private readonly versions = new Map<string, number>();
  private all = 0;

  /** A counter that changes whenever the shard (or everything) is notified. */
  version(shardId: string): number {
    return (this.versions.get(shardId) ?? 0) + this.all;
  }

  /**
   * Resolves at the next `notify` of the shard, or when `signal` aborts, or after `timeoutMs`.
   * @example await notifier.wait('shardId-000000000000', 5000, signal)
   */
  wait(shardId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(shardId);
      if (!set) {
        set = new Set();
        this.waiters.set(shardId, set);
      }
      const waiters = set;
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiters.get(shardId) === waiters) this.waiters.delete(shardId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref?.();
      signal.addEventListener('abort', done, { once: true });
      waiters.add(done);
    });
  }

  /** Wakes every waiter of these shards. */
  notify(shardIds: Iterable<string>): void {
    for (const shardId of shardIds) {
      this.versions.set(shardId, (this.versions.get(shardId) ?? 0) + 1);
      const set = this.waiters.get(shardId);
      if (!set) continue;
      for (const wake of [...set]) wake();
    }
  }

  /** Wakes everyone (stream deleted, engine closing). */
  notifyAll(): void {
    this.all++;
    this.notify([...this.waiters.keys()]);
  }
}
