import type { EngineContext } from './engineContext.ts';
import { resourceInUse, resourceNotFound } from './errors.ts';
import { streamStatus } from './model.ts';
import type { StreamRef, StreamRegistry } from './streamRegistry.ts';
import type { StreamRuntime } from './streamRuntime.ts';

/** What every action module works on: the resolved options and the streams. */
export interface EngineState {
  ctx: EngineContext;
  registry: StreamRegistry;
}

/**
 * The stream, required ACTIVE: AWS answers ResourceInUseException for control-plane changes of a
 * stream that is CREATING, UPDATING or DELETING.
 */
export function activeStream(state: EngineState, ref: StreamRef): StreamRuntime {
  const runtime = state.registry.resolve(ref);
  const status = streamStatus(runtime.meta, state.ctx.now());
  if (status !== 'ACTIVE') {
    throw resourceInUse(
      `Stream ${runtime.meta.name} under account ${state.ctx.accountId} not ACTIVE, instead in state ${status}`,
    );
  }
  return runtime;
}

/**
 * The stream, required readable/writable: ACTIVE or UPDATING (resharding keeps data flowing); a
 * CREATING or DELETING stream is ResourceNotFoundException, as AWS answers data-plane calls.
 */
export function dataStream(state: EngineState, ref: StreamRef): StreamRuntime {
  const runtime = state.registry.resolve(ref);
  const status = streamStatus(runtime.meta, state.ctx.now());
  if (status !== 'ACTIVE' && status !== 'UPDATING') {
    throw resourceNotFound(`Stream ${runtime.meta.name} under account ${state.ctx.accountId} not found.`);
  }
  return runtime;
}

/** Marks the stream UPDATING for the state-change time (resharding, mode, encryption). */
export function markUpdating(state: EngineState, runtime: StreamRuntime): void {
  runtime.meta.updatingUntilMs = state.ctx.now() + state.ctx.stateChangeMs;
}
