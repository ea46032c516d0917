import type * as K from '@aws-sdk/client-kinesis';
import { findConsumer } from './consumers.ts';
import { dataStream, type EngineState } from './engineState.ts';
import { resourceInUse } from './errors.ts';
import { consumerStatus, type ShardMeta } from './model.ts';
import { recordView } from './recordViews.ts';
import { formatSequenceNumber } from './sequenceNumbers.ts';
import { listedShard, readShard, startPosition } from './shardPositions.ts';
import { childShardViews } from './shardViews.ts';
import type { StreamRuntime } from './streamRuntime.ts';

/**
 * SubscribeToShard: one push subscription per consumer and shard at a time. Events carry at most
 * 256 KiB of records (a larger record goes alone) or 10,000 records; an append wakes the subscription (no timer polling); an idle one sends
 * a heartbeat (an event without records) every 5 s; it ends after its lifetime, when the client
 * aborts, when the consumer or stream goes, or after the event with ChildShards of a closed shard.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html
 */
export const HEARTBEAT_MS = 5000;
/**
 * AWS documents no event size. Each open subscription holds about seven times an event's payload
 * while it is on its way (the storage read the records are views of, the base64 JSON frame waiting
 * in the HTTP/2 write, the client's decode buffer and decoded records), and `npm start` keeps 12
 * open (3 consumers x 4 shards): 1 MiB events made that ~85 MB. A quarter of it delivers as fast,
 * since events follow one another as soon as the client has taken the previous one.
 */
const EVENT_MAX_BYTES = 256 * 1024;
const EVENT_MAX_RECORDS = 10_000;

interface Subscription {
  state: EngineState;
  runtime: StreamRuntime;
  shard: ShardMeta;
  consumerArn: string;
  position: number;
  signal: AbortSignal;
  /** Real-time end of the subscription (timers, not the injectable clock, drive waiting). */
  endsAt: number;
  release: () => void;
}

export class Subscriptions {
  private readonly open = new Set<string>();

  /**
   * Checks everything AWS checks before the first event, then returns the event stream.
   * @example for await (const event of await subs.subscribe(state, input, signal)) handle(event)
   */
  async subscribe(
    state: EngineState,
    input: K.SubscribeToShardInput,
    signal: AbortSignal,
  ): Promise<AsyncIterable<K.SubscribeToShardEvent>> {
    const { meta, consumer } = findConsumer(state, { ConsumerARN: input.ConsumerARN });
    const status = consumerStatus(consumer, state.ctx.now());
    if (status !== 'ACTIVE') {
      throw resourceInUse(`Consumer ${consumer.arn} is not ACTIVE, instead in state ${status}.`);
    }
    const runtime = dataStream(state, { StreamName: meta.name });
    const shard = listedShard(state, runtime, input.ShardId ?? '');
    const key = `${consumer.arn}|${shard.shardId}`;
    if (this.open.has(key)) {
      throw resourceInUse(
        `Another active subscription exists for consumer ${consumer.arn} and shard ${shard.shardId}.`,
      );
    }
    const position = await startPosition(runtime, shard, {
      type: input.StartingPosition?.Type,
      sequenceNumber: input.StartingPosition?.SequenceNumber,
      timestamp: input.StartingPosition?.Timestamp,
    });
    if (this.open.has(key)) throw resourceInUse(`Another active subscription exists for consumer ${consumer.arn}.`);
    this.open.add(key);
    let released = false;
    const lifetime = setTimeout(() => release(), state.ctx.subscriptionMs);
    lifetime.unref();
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(lifetime);
      this.open.delete(key);
    };
    signal.addEventListener('abort', release, { once: true });
    const subscription: Subscription = {
      state,
      runtime,
      shard,
      consumerArn: consumer.arn,
      position,
      signal,
      endsAt: performance.now() + state.ctx.subscriptionMs,
      release,
    };
    return events(subscription);
  }
}

/** Whether the subscription must end before its next event. */
function over(sub: Subscription): boolean {
  if (sub.signal.aborted || performance.now() >= sub.endsAt) return true;
  const { registry, ctx } = sub.state;
  if (registry.find(sub.runtime.meta.name) !== sub.runtime || sub.runtime.meta.goneAtMs !== undefined) return true;
  const consumer = sub.runtime.meta.consumers.find((c) => c.arn === sub.consumerArn);
  return !consumer || consumerStatus(consumer, ctx.now()) !== 'ACTIVE';
}

async function* events(sub: Subscription): AsyncGenerator<K.SubscribeToShardEvent> {
  const { runtime, shard } = sub;
  try {
    let sentAt = Number.NEGATIVE_INFINITY;
    while (!over(sub)) {
      const now = sub.state.ctx.now();
      const version = runtime.notifier.version(shard.shardId);
      const read = await readShard(
        runtime,
        shard,
        sub.position,
        { maxRecords: EVENT_MAX_RECORDS, maxBytes: EVENT_MAX_BYTES },
        now,
      );
      const heartbeatDue = performance.now() - sentAt >= HEARTBEAT_MS;
      if (read.records.length > 0 || read.ended || heartbeatDue) {
        sub.position = read.next;
        const event: K.SubscribeToShardEvent = {
          Records: read.records.map((stored) => recordView(runtime.meta, shard, stored)),
          // AFTER_SEQUENCE_NUMBER of this number resumes at `next` (tick = position + 1 of the last record).
          ContinuationSequenceNumber: formatSequenceNumber({
            shardIndex: shard.index,
            streamCreatedMs: runtime.meta.createdMs,
            tick: read.next,
          }),
          MillisBehindLatest: read.millisBehindLatest,
        };
        if (read.ended) event.ChildShards = childShardViews(runtime.children(shard.shardId));
        sentAt = performance.now();
        yield event;
        if (read.ended) return;
        if (read.records.length > 0) continue;
      }
      if (runtime.notifier.version(shard.shardId) !== version) continue;
      const wait = Math.max(1, Math.min(HEARTBEAT_MS - (performance.now() - sentAt), sub.endsAt - performance.now()));
      await runtime.notifier.wait(shard.shardId, wait, sub.signal);
    }
  } finally {
    sub.release();
  }
}
