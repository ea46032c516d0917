import { failureDestination } from './destinations.ts';
import { EfoConsumer } from './efoConsumer.ts';
import { compileFilter } from './filter.ts';
import type { MappingRuntime } from './mappingRuntime.ts';
import { mappingUuid } from './mappingUuid.ts';
import { resolveSettings } from './settings.ts';
import { superviseShards } from './shardSupervisor.ts';
import type { EventSourceMappingHandle, EventSourceMappingOptions } from './types.ts';

const DEFAULTS = Object.freeze({
  /** Lambda polls each shard about once per second. */
  pollIntervalMs: 1000,
  log: () => undefined,
  warn: (message: string) => process.emitWarning(message, 'EventSourceMappingWarning'),
  now: () => Date.now(),
});

/**
 * Runs a Kinesis event source mapping locally, as Lambda runs it: per shard and in order, with the
 * mapping's batching, filtering, partial batch responses, retries, bisecting, record age, tumbling
 * windows, ParallelizationFactor and on-failure destination. The rules it follows are in
 * shared/docs/kinesis-lambda-semantics.md; each module cites the AWS page it implements.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
 *
 * Settings are validated at once (EventSourceMappingConfigError); a disabled mapping does nothing.
 *
 * Enhanced fan-out: a mapping through a stream consumer (`consumerName`, the template's
 * `consumerLogicalId` resolved) reads each shard through its own SubscribeToShard subscription
 * (the SDK's command over HTTP/2), as Lambda does: records are pushed as they are written and
 * invoked at once, without waiting for a poll interval, and the subscription is renewed when the
 * service ends it. A standard mapping polls GetRecords every `pollIntervalMs`. Either way each
 * mapping has its own reader and checkpoints, so one mapping's failures never slow another.
 *
 * @example
 * const mapping = startEventSourceMapping({
 *   mapping, stream, functionName, functionArn, roleArn, region: 'us-east-1',
 *   invoke: (event) => lambda.invoke(mapping.functionLogicalId, event),
 *   kinesis, consumerName: 'archive-consumer', s3, checkpoints: await FileCheckpointStore.open('.local/data/checkpoints.json'),
 *   pollIntervalMs: 100, log: (line) => console.log(line),
 * });
 * // ...
 * await mapping.stop();
 */
export function startEventSourceMapping(options: EventSourceMappingOptions): EventSourceMappingHandle {
  const { mapping, stream } = options;
  const settings = resolveSettings(mapping);
  const filter = compileFilter(mapping);
  const destination = failureDestination(mapping, {
    s3: options.s3,
    mappingUuid: mappingUuid(mapping.logicalId),
    ...(options.failureStandInDir === undefined ? {} : { failureStandInDir: options.failureStandInDir }),
  });
  if (!mapping.enabled) return { stop: async () => undefined };
  const controller = new AbortController();
  const consumer =
    options.consumerName === undefined
      ? undefined
      : new EfoConsumer({
          kinesis: options.kinesis,
          streamArn: stream.arn,
          consumerName: options.consumerName,
          ...(options.subscribeClient === undefined ? {} : { client: options.subscribeClient }),
        });
  const runtime: MappingRuntime = {
    mappingId: mapping.logicalId,
    streamName: stream.name,
    functionName: options.functionName,
    functionArn: options.functionArn,
    settings,
    source: { streamArn: stream.arn, region: options.region, roleArn: options.roleArn },
    filter,
    destination,
    kinesis: options.kinesis,
    ...(consumer === undefined ? {} : { consumer }),
    checkpoints: options.checkpoints,
    invoke: options.invoke,
    log: options.log ?? DEFAULTS.log,
    warn: options.warn ?? DEFAULTS.warn,
    now: options.now ?? DEFAULTS.now,
    signal: controller.signal,
    pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
  };
  const supervising = superviseShards(runtime, mapping).catch((error: unknown) => {
    runtime.warn(`${mapping.logicalId} stopped on an unexpected error: ${error}`);
  });
  let stopping: Promise<void> | undefined;
  return {
    stop: () => {
      stopping ??= (async () => {
        controller.abort();
        await supervising;
        // Every shard worker has closed its subscription by now.
        consumer?.close();
        await options.checkpoints.flush();
      })();
      return stopping;
    },
  };
}
