import {
  type _Record,
  type KinesisClient,
  SubscribeToShardCommand,
  type SubscribeToShardEvent,
  type SubscribeToShardInput,
} from '@aws-sdk/client-kinesis';
import { pollUntil } from '../../../local/emulators.ts';

const WAIT_MS = 15_000;

/** A SubscribeToShard event stream read in the background by the SDK's own decoder. */
export interface Subscription {
  readonly events: readonly SubscribeToShardEvent[];
  /** Every record of every event so far, in delivery order. */
  records(): _Record[];
  /** Resolves when the server ends the stream; rejects with the error event or transport error. */
  readonly ended: Promise<void>;
  /** Polls `probe` over the events received so far until it returns a value (deadline 15 s). */
  waitFor<T>(what: string, probe: (subscription: Subscription) => T | undefined): Promise<T>;
  /** Hangs up (the client going away). */
  close(): void;
}

/**
 * Calls SubscribeToShard through the SDK (HTTP/2 event stream) and starts reading its events.
 * Rejects as the SDK does when the call itself is refused (e.g. ResourceInUseException).
 *
 * @example
 * const subscription = await subscribe(client, { ConsumerARN, ShardId, StartingPosition: { Type: 'LATEST' } });
 * await subscription.waitFor('3 records', (s) => (s.records().length >= 3 ? true : undefined));
 * subscription.close();
 */
export async function subscribe(client: KinesisClient, input: SubscribeToShardInput): Promise<Subscription> {
  const hangUp = new AbortController();
  const output = await client.send(new SubscribeToShardCommand(input), { abortSignal: hangUp.signal });
  const events: SubscribeToShardEvent[] = [];
  let closed = false;
  const ended = (async () => {
    if (!output.EventStream) throw new Error('SubscribeToShard answered without an event stream');
    try {
      for await (const message of output.EventStream) {
        if (message.SubscribeToShardEvent) {
          events.push(message.SubscribeToShardEvent);
          continue;
        }
        const [name, error] = Object.entries(message).find(([, value]) => value !== undefined) ?? ['unknown', {}];
        throw Object.assign(new Error(`event stream error ${name}`), { name, cause: error });
      }
    } catch (error) {
      if (!closed) throw error;
    }
  })();
  // Callers that never look at `ended` must not see an unhandled rejection.
  ended.catch(() => undefined);
  const subscription: Subscription = {
    events,
    records: () => events.flatMap((event) => event.Records ?? []),
    ended,
    waitFor: (what, probe) => pollUntil(async () => probe(subscription), { what, timeoutMs: WAIT_MS, intervalMs: 20 }),
    close: () => {
      closed = true;
      hangUp.abort();
    },
  };
  return subscription;
}

/** Resolves when the subscription ends by itself; throws after the deadline. */
export async function endOf(subscription: Subscription, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not ended within ${WAIT_MS} ms`)), WAIT_MS);
  });
  try {
    await Promise.race([subscription.ended, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
