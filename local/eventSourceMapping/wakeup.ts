/**
 * A wait that ends at a deadline, when someone calls `wake()`, or when the mapping stops. A wake
 * that comes while nobody waits is remembered, so that none is lost between two waits.
 *
 * @example
 * const wakeup = new Wakeup();
 * void batchDone.then(() => wakeup.wake());
 * await wakeup.wait(1000, stopSignal);
 */
export class Wakeup {
  private woken = false;
  private release: (() => void) | undefined;

  wake(): void {
    this.woken = true;
    this.release?.();
  }

  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.woken && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        signal.addEventListener('abort', done);
        this.release = done;
      });
    }
    this.release = undefined;
    this.woken = false;
  }
}

/** Sleeps, or returns early (without throwing) once `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Wakeup().wait(ms, signal);
}
