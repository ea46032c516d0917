import { join } from 'node:path';
import type { LocalApp, LocalEventSourceMapping } from './app/model.ts';
import { LocalRuntimeError } from './errors.ts';
import {
  type EventSourceMappingHandle,
  FileCheckpointStore,
  type InvocationLogLine,
  startEventSourceMapping,
} from './eventSourceMapping/index.ts';
import type { Invoke } from './lambda/types.ts';
import type { localClients } from './localClients.ts';

export interface MappingDependencies {
  invoke: Invoke;
  clients: ReturnType<typeof localClients>;
  /** Holds `checkpoints.json` and the `destinations/` stand-ins. */
  dataDir: string;
  region: string;
  pollIntervalMs: number | undefined;
  log: (line: string) => void;
  /**
   * Fault injection (tests, `KP_FAULT_CONSUMER_CRASH_RATE`): the share of consumer invocations that,
   * after the handler has done its work, fail as if the process died before answering (the batch's
   * side effects happened; Lambda sees a function error and retries or bisects). Default 0.
   */
  consumerCrashRate?: number;
  /** Test hook: the random source for consumerCrashRate. */
  random?: () => number;
}

/**
 * One local event source mapping per AWS::Lambda::EventSourceMapping of the template, sharing one
 * checkpoint file; each (including each enhanced fan-out consumer's) reads on its own. If one
 * cannot start (a setting Lambda would reject), those started before it already poll: they are
 * stopped before the error is rethrown.
 *
 * @example
 * const mappings = await startMappings(app, { invoke: lambda.invoke, clients, dataDir, region, pollIntervalMs, log });
 * // ...
 * await mappings.stop(); // in-flight batches finish, checkpoints are on disk
 */
export async function startMappings(app: LocalApp, deps: MappingDependencies): Promise<{ stop(): Promise<void> }> {
  const checkpoints = await FileCheckpointStore.open(join(deps.dataDir, 'checkpoints.json'));
  const handles: EventSourceMappingHandle[] = [];
  const stop = async () => {
    await Promise.all(handles.map((handle) => handle.stop()));
    await checkpoints.flush();
  };
  try {
    for (const mapping of app.eventSourceMappings) {
      const { fn, stream } = mappingTargets(app, mapping);
      // A mapping through an enhanced fan-out consumer subscribes to its shards (SubscribeToShard).
      const consumer = app.consumers.find((c) => c.logicalId === mapping.consumerLogicalId);
      handles.push(
        startEventSourceMapping({
          mapping,
          stream,
          functionName: fn.name,
          functionArn: fn.arn,
          roleArn: fn.roleArn,
          region: deps.region,
          invoke: crashingSometimes((event) => deps.invoke(fn.logicalId, event), deps),
          kinesis: deps.clients.kinesis,
          ...(consumer === undefined ? {} : { consumerName: consumer.name }),
          s3: deps.clients.s3,
          checkpoints,
          failureStandInDir: join(deps.dataDir, 'destinations'),
          ...(deps.pollIntervalMs === undefined ? {} : { pollIntervalMs: deps.pollIntervalMs }),
          log: (line) => deps.log(invocationLine(line)),
        }),
      );
    }
  } catch (error) {
    // The start failure is what the caller must see; stopping the others is best effort.
    await stop().catch(() => undefined);
    throw error;
  }
  return { stop };
}

/** An invoke that, at `consumerCrashRate`, turns a completed invocation into a crash (see MappingDependencies). */
function crashingSometimes(
  invoke: (event: unknown) => ReturnType<Invoke>,
  { consumerCrashRate = 0, random = Math.random }: Pick<MappingDependencies, 'consumerCrashRate' | 'random'>,
): (event: unknown) => ReturnType<Invoke> {
  if (consumerCrashRate <= 0) return invoke;
  return async (event) => {
    const result = await invoke(event);
    if (random() >= consumerCrashRate) return result;
    const errorMessage = 'injected fault: the process exited after the handler ran (KP_FAULT_CONSUMER_CRASH_RATE)';
    return { ...result, ok: false, error: { errorType: 'Runtime.ExitError', errorMessage, timedOut: false } };
  };
}

/**
 * The function and stream a mapping names; a LocalRuntimeError when the template lacks one.
 *
 * @example
 * for (const mapping of app.eventSourceMappings) mappingTargets(app, mapping); // checks before anything starts
 */
export function mappingTargets(app: LocalApp, mapping: LocalEventSourceMapping) {
  const fn = app.functions.find((f) => f.logicalId === mapping.functionLogicalId);
  const stream = app.streams.find((s) => s.logicalId === mapping.streamLogicalId);
  if (!fn || !stream) {
    throw new LocalRuntimeError(`event source mapping ${mapping.logicalId}: its function or stream is missing`);
  }
  return { fn, stream };
}

/** `archive  shardId-000000000001  batch 100  42 ms  ok` */
function invocationLine(line: InvocationLogLine): string {
  const detail = line.detail ? `  ${line.detail}` : '';
  return `${line.functionName}  ${line.shardId}  batch ${line.batchSize}  ${line.durationMs} ms  ${line.outcome}${detail}`;
}
