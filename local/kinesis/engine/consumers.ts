import type * as K from '@aws-sdk/client-kinesis';
import { consumerArn, parseConsumerArn, streamArn } from './arns.ts';
import { dataStream, type EngineState } from './engineState.ts';
import { invalidArgument, limitExceeded, resourceInUse, resourceNotFound } from './errors.ts';
import { MAX_CONSUMERS } from './limits.ts';
import { type ConsumerMeta, consumerStatus, type StreamMeta } from './model.ts';
import { decodePageToken, encodePageToken } from './pageTokens.ts';
import { checkTagCount } from './tags.ts';

/**
 * Enhanced fan-out consumers: at most 20 per stream, CREATING then ACTIVE after the state-change
 * time, DELETING then gone after deregistration. A consumer's ARN ends with its creation time in
 * epoch seconds, so a re-registered consumer has a new ARN.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RegisterStreamConsumer.html
 */
const LIST_CONSUMERS_LIMIT = 100;

/** Consumers that exist at `now`; those whose deletion is over are dropped from the metadata. */
export function liveConsumers(meta: StreamMeta, now: number): ConsumerMeta[] {
  meta.consumers = meta.consumers.filter((c) => c.goneAtMs === undefined || c.goneAtMs > now);
  return meta.consumers;
}

const consumerView = (consumer: ConsumerMeta, now: number): K.Consumer => ({
  ConsumerName: consumer.name,
  ConsumerARN: consumer.arn,
  ConsumerStatus: consumerStatus(consumer, now),
  ConsumerCreationTimestamp: new Date(consumer.createdMs),
});

export async function registerStreamConsumer(
  state: EngineState,
  input: K.RegisterStreamConsumerInput,
): Promise<K.RegisterStreamConsumerOutput> {
  const runtime = dataStream(state, { StreamARN: input.StreamARN });
  const now = state.ctx.now();
  const name = input.ConsumerName ?? '';
  const consumers = liveConsumers(runtime.meta, now);
  if (consumers.some((c) => c.name === name)) {
    throw resourceInUse(
      `Consumer ${name} under stream ${runtime.meta.name} under account ${state.ctx.accountId} already exists.`,
    );
  }
  if (consumers.length >= MAX_CONSUMERS) {
    throw limitExceeded(
      `Stream ${runtime.meta.name} already has the maximum of ${MAX_CONSUMERS} registered consumers.`,
    );
  }
  const tags = { ...(input.Tags ?? {}) };
  checkTagCount(name, tags, state.ctx.accountId);
  // Two registrations within one second would share an ARN; AWS's seconds ARN has the same limit.
  const consumer: ConsumerMeta = {
    name,
    arn: consumerArn(streamArn(state.ctx, runtime.meta.name), name, now),
    createdMs: now,
    readyAtMs: now + state.ctx.stateChangeMs,
    tags,
  };
  consumers.push(consumer);
  await state.registry.save();
  return { Consumer: consumerView(consumer, now) };
}

/** The consumer named by ConsumerARN, or by StreamARN + ConsumerName. */
export function findConsumer(
  state: EngineState,
  input: { StreamARN?: string | undefined; ConsumerName?: string | undefined; ConsumerARN?: string | undefined },
): { meta: StreamMeta; consumer: ConsumerMeta } {
  let stream = input.StreamARN;
  let name = input.ConsumerName;
  if (input.ConsumerARN !== undefined) {
    const parsed = parseConsumerArn(input.ConsumerARN);
    stream = parsed.streamArn;
    name = parsed.consumerName;
  }
  if (stream === undefined || name === undefined) {
    throw invalidArgument('Either ConsumerARN or both StreamARN and ConsumerName must be provided.');
  }
  const { meta } = state.registry.resolve({ StreamARN: stream });
  const consumer = liveConsumers(meta, state.ctx.now()).find(
    (c) => c.name === name && (input.ConsumerARN === undefined || c.arn === input.ConsumerARN),
  );
  if (!consumer) {
    throw resourceNotFound(
      `Consumer ${input.ConsumerARN ?? name} under stream ${meta.name} under account ${state.ctx.accountId} not found.`,
    );
  }
  return { meta, consumer };
}

export async function describeStreamConsumer(
  state: EngineState,
  input: K.DescribeStreamConsumerInput,
): Promise<K.DescribeStreamConsumerOutput> {
  const { meta, consumer } = findConsumer(state, input);
  return {
    ConsumerDescription: { ...consumerView(consumer, state.ctx.now()), StreamARN: streamArn(state.ctx, meta.name) },
  };
}

export async function listStreamConsumers(
  state: EngineState,
  input: K.ListStreamConsumersInput,
): Promise<K.ListStreamConsumersOutput> {
  const { meta } = state.registry.resolve({ StreamARN: input.StreamARN });
  const now = state.ctx.now();
  if (input.StreamCreationTimestamp && input.StreamCreationTimestamp.getTime() !== meta.createdMs) {
    throw resourceNotFound(`Stream ${meta.name} created at ${input.StreamCreationTimestamp.toISOString()} not found.`);
  }
  const scope = `${meta.name}@${meta.createdMs}`;
  const after =
    input.NextToken !== undefined ? decodePageToken(input.NextToken, 'consumers', now, scope).after : undefined;
  const consumers = liveConsumers(meta, now)
    .filter((c) => after === undefined || c.name > after)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const limit = input.MaxResults ?? LIST_CONSUMERS_LIMIT;
  const page = consumers.slice(0, limit);
  const output: K.ListStreamConsumersOutput = { Consumers: page.map((c) => consumerView(c, now)) };
  const last = page.at(-1);
  if (consumers.length > limit && last) {
    output.NextToken = encodePageToken({ kind: 'consumers', scope, after: last.name, issuedMs: now });
  }
  return output;
}

export async function deregisterStreamConsumer(
  state: EngineState,
  input: K.DeregisterStreamConsumerInput,
): Promise<Record<string, never>> {
  const { meta, consumer } = findConsumer(state, input);
  if (consumer.goneAtMs !== undefined) return {};
  consumer.goneAtMs = state.ctx.now() + state.ctx.stateChangeMs;
  state.registry.find(meta.name)?.notifier.notifyAll();
  await state.registry.save();
  state.registry.later(state.ctx.stateChangeMs, () => {
    liveConsumers(meta, state.ctx.now());
    return state.registry.save();
  });
  return {};
}
