import { LocalRuntimeError } from './errors.ts';

/**
 * What a start has brought up so far, undone in reverse order. A start that fails half way then
 * stops exactly what it got to (a listening server, polling mappings, running emulators) instead
 * of leaking it, and stop() is the same list run to the end.
 *
 * @example
 * const cleanups = new CleanupStack();
 * const emulators = await startEmulators(options);
 * cleanups.add('the emulators', () => emulators.stop());
 * // ... on failure, or at stop:
 * await cleanups.run();
 */
export class CleanupStack {
  private readonly steps: Array<{ what: string; undo: () => Promise<void> }> = [];

  /** `what` names the piece in the error when undoing it fails ("the HTTP API"). */
  add(what: string, undo: () => Promise<void>): void {
    this.steps.push({ what, undo });
  }

  /**
   * Undoes every piece, the last added first. One failing does not keep the others running: all
   * are tried, then a LocalRuntimeError names those that failed (`cause`: the error, or an
   * AggregateError of them). A second run has nothing left to do.
   */
  async run(): Promise<void> {
    const failures: Array<{ what: string; error: unknown }> = [];
    for (const { what, undo } of this.steps.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        failures.push({ what, error });
      }
    }
    if (failures.length === 0) return;
    const errors = failures.map((failure) => failure.error);
    const reasons = failures.map(
      ({ what, error }) => `${what}: ${error instanceof Error ? error.message : String(error)}`,
    );
    throw new LocalRuntimeError(`Stopping the local pipeline failed (${reasons.join('; ')})`, {
      cause: errors.length === 1 ? errors[0] : new AggregateError(errors),
    });
  }
}
