import { afterAll, afterEach, beforeAll } from 'vitest';
import type { LocalStream } from '../../local/app/model.ts';
import { type RunningTestFunction, type RunOptions, runTestFunction, type TestFunction } from './esmFunctions.ts';
import { type EsmHarness, startEsmHarness } from './esmHarness.ts';

/**
 * The lifecycle every conformance file shares: one emulator set per file (plus `setup` on it), and
 * every test function started in a test stopped after that test.
 *
 * @example
 * const esm = useEsmHarness();
 * it('...', async () => { const fn = esm.run(await createTestStream(esm.harness), functions.succeeds()); });
 */
export function useEsmHarness(setup?: (harness: EsmHarness) => Promise<void>) {
  let started: EsmHarness | undefined;
  const running: RunningTestFunction[] = [];
  beforeAll(async () => {
    started = await startEsmHarness();
    await setup?.(started);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((fn) => fn.stop()));
  });
  afterAll(async () => {
    await started?.stop();
  });
  return {
    get harness(): EsmHarness {
      if (!started) throw new Error('the ESM harness is only available inside tests');
      return started;
    },
    run(stream: LocalStream, fn: TestFunction, options: RunOptions = {}): RunningTestFunction {
      const fnRunning = runTestFunction(this.harness, stream, fn, options);
      running.push(fnRunning);
      return fnRunning;
    },
  };
}
