import { retryDelayMs } from './batchRunner.ts';
import { type InvokeDependencies, invokeBatch } from './invokeBatch.ts';
import type { MappingSettings } from './settings.ts';
import type { TumblingWindow } from './tumblingWindow.ts';
import { pause } from './wakeup.ts';

export interface FinalInvokeDependencies extends Omit<InvokeDependencies, 'shaper'> {
  settings: MappingSettings;
  signal: AbortSignal;
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

/**
 * Closes the open tumbling window with its final invoke (no records, `isFinalInvokeForWindow`),
 * retried like a batch. Resolves true once the window is closed, false if the mapping stopped
 * first (the window then stays open in the checkpoint and closes after a restart).
 *
 * @example
 * if (window.isDue(now())) await invokeFinal(window, false, dependencies);
 */
export async function invokeFinal(
  window: TumblingWindow,
  terminatedEarly: boolean,
  dependencies: FinalInvokeDependencies,
): Promise<boolean> {
  const shaper = window.shaper({ terminatedEarly });
  const { maxRetries } = dependencies.settings;
  for (let retries = 0; !dependencies.signal.aborted; retries++) {
    const attempt = await invokeBatch([], { ...dependencies, shaper });
    if (attempt.kind !== 'failed') break;
    if (maxRetries !== -1 && retries >= maxRetries) {
      dependencies.log({
        functionName: dependencies.functionName,
        shardId: dependencies.shardId,
        batchSize: 0,
        durationMs: 0,
        outcome: 'discarded',
        detail: 'final invoke of the tumbling window failed past MaximumRetryAttempts; window state dropped',
      });
      break;
    }
    await pause(retryDelayMs(retries + 1, dependencies), dependencies.signal);
  }
  if (dependencies.signal.aborted) return false;
  window.close();
  return true;
}
