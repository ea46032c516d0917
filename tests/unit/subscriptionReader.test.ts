import type { _Record, SubscribeToShardEvent } from '@aws-sdk/client-kinesis';
import { afterEach, describe, expect, it } from 'vitest';
import type { StartPosition } from '../../local/eventSourceMapping/recordSource.ts';
import { type Subscriber, SubscriptionReader } from '../../local/eventSourceMapping/subscriptionReader.ts';

// The subscription reader's own rules (positions across renewals and errors, the bounded buffer,
// the end of a shard), driven by a scripted subscriber. The same reader against the real engine
// over HTTP/2: tests/integration/eventSourceMappingEfo.test.ts.

const SHARD = 'shardId-000000000000';

/** One scripted subscription: its events, then it ends (or throws `error`). */
interface Script {
  events?: SubscribeToShardEvent[];
  error?: Error;
  /** Thrown by subscribe itself, before any event. */
  refuse?: Error;
}

/** A subscriber that plays one script per call and records where each call started. */
function scripted(scripts: Script[]) {
  const starts: StartPosition[] = [];
  let pulled = 0;
  const subscriber: Subscriber = {
    async subscribe(_shardId, from, signal) {
      starts.push(from);
      const script = scripts.shift();
      if (script === undefined) return waitForever(signal);
      if (script.refuse) throw script.refuse;
      return (async function* () {
        for (const event of script.events ?? []) {
          pulled += 1;
          yield event;
        }
        if (script.error) throw script.error;
      })();
    },
  };
  return { subscriber, starts, pulled: () => pulled };
}

/** An open subscription with nothing to say, ended by the reader's close(). */
async function* waitForever(signal: AbortSignal): AsyncIterable<SubscribeToShardEvent> {
  await new Promise((resolve) => signal.addEventListener('abort', resolve));
}

const record = (n: number): _Record => ({
  SequenceNumber: String(1000 + n),
  PartitionKey: 'k',
  Data: new Uint8Array([n]),
});
const eventOf = (numbers: number[], continuation?: string): SubscribeToShardEvent => ({
  Records: numbers.map(record),
  ContinuationSequenceNumber: continuation ?? String(1000 + (numbers.at(-1) ?? 0)),
  MillisBehindLatest: 0,
});
const named = (name: string) => Object.assign(new Error(name), { name });

const readers: SubscriptionReader[] = [];
function open(
  subscriber: Subscriber,
  options: { capacity?: { records: number; bytes: number }; warnings?: string[]; wakes?: number[] } = {},
) {
  const reader = new SubscriptionReader(
    subscriber,
    SHARD,
    { type: 'TRIM_HORIZON' },
    {
      capacity: options.capacity ?? { records: 100, bytes: 1 << 20 },
      wake: () => options.wakes?.push(1),
      warn: (message) => options.warnings?.push(message),
      label: `Test ${SHARD}`,
    },
  );
  readers.push(reader);
  return reader;
}

afterEach(async () => {
  await Promise.all(readers.splice(0).map((reader) => reader.close()));
});

/** Reads until `count` records came (or the deadline passes); returns their sequence numbers. */
async function readAll(reader: SubscriptionReader, count: number, timeoutMs = 5000): Promise<string[]> {
  const sequences: string[] = [];
  const deadline = Date.now() + timeoutMs;
  while (sequences.length < count && Date.now() < deadline) {
    const page = await reader.read(1000);
    sequences.push(...page.records.map((r) => r.SequenceNumber ?? ''));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return sequences;
}

/** Lets the reader's loop run as far as it can without I/O. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('SubscriptionReader', () => {
  it('renews an ended subscription AFTER_SEQUENCE_NUMBER its last ContinuationSequenceNumber: nothing lost, nothing twice', async () => {
    const { subscriber, starts } = scripted([
      { events: [eventOf([1, 2]), eventOf([], '1005')] },
      { events: [eventOf([6])] },
      { events: [eventOf([7, 8])] },
    ]);
    const reader = open(subscriber);
    expect(await readAll(reader, 5)).toEqual(['1001', '1002', '1006', '1007', '1008']);
    expect(starts.slice(0, 4)).toEqual([
      { type: 'TRIM_HORIZON' },
      { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '1005' },
      { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '1006' },
      { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '1008' },
    ]);
  });

  it('after a failed subscription or a broken event stream, resubscribes from the last position received', async () => {
    const warnings: string[] = [];
    const { subscriber, starts } = scripted([
      { refuse: named('ECONNREFUSED') },
      { events: [eventOf([1])], error: named('InternalFailureException') },
      { refuse: named('ResourceInUseException') },
      { events: [eventOf([2])] },
    ]);
    const reader = open(subscriber, { warnings });
    expect(await readAll(reader, 2)).toEqual(['1001', '1002']);
    expect(starts.slice(0, 4)).toEqual([
      { type: 'TRIM_HORIZON' },
      { type: 'TRIM_HORIZON' },
      { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '1001' },
      { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '1001' },
    ]);
    // A brief ResourceInUseException (the previous subscription is still being torn down) is expected.
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).not.toContain('ResourceInUseException');
  });

  it('stops pulling events while its buffer is full, and pulls again once the worker reads', async () => {
    const events = Array.from({ length: 10 }, (_, i) => eventOf([2 * i, 2 * i + 1]));
    const { subscriber, pulled } = scripted([{ events }]);
    const reader = open(subscriber, { capacity: { records: 4, bytes: 1 << 20 } });
    expect((await reader.read(0)).records).toEqual([]);
    await settle();
    expect(pulled()).toBe(2);
    expect((await reader.read(3)).records).toHaveLength(3);
    await settle();
    expect(pulled()).toBe(4);
    expect(await readAll(reader, 17)).toHaveLength(17);
  });

  it('stops pulling events once its buffer holds its capacity in bytes, however few the records', async () => {
    const big = (n: number): _Record => ({
      SequenceNumber: String(1000 + n),
      PartitionKey: 'k',
      Data: new Uint8Array(400),
    });
    const events = Array.from({ length: 6 }, (_, i) => ({ ...eventOf([i]), Records: [big(i)] }));
    const { subscriber, pulled } = scripted([{ events }]);
    const reader = open(subscriber, { capacity: { records: 100, bytes: 1000 } });
    await reader.read(0);
    await settle();
    // 400 + 400 + 400 bytes reach 1,000 with the third event: it waits there.
    expect(pulled()).toBe(3);
    expect((await reader.read(1)).records).toHaveLength(1);
    await settle();
    expect(pulled()).toBe(4);
    expect(await readAll(reader, 5)).toHaveLength(5);
  });

  it('wakes the worker when records arrive and reports ended only once an event with ChildShards is read out', async () => {
    const wakes: number[] = [];
    const last: SubscribeToShardEvent = {
      Records: [record(3)],
      MillisBehindLatest: 0,
      // A closed shard read to its end: no continuation, its children instead.
      ContinuationSequenceNumber: undefined,
      ChildShards: [
        {
          ShardId: 'shardId-000000000001',
          ParentShards: [SHARD],
          HashKeyRange: { StartingHashKey: '0', EndingHashKey: '340282366920938463463374607431768211455' },
        },
      ],
    };
    const { subscriber, starts } = scripted([{ events: [eventOf([1, 2]), last] }]);
    const reader = open(subscriber, { wakes });
    await reader.read(0);
    await settle();
    expect(wakes).toHaveLength(2);
    const first = await reader.read(2);
    expect(first).toMatchObject({ ended: false, caughtUp: false });
    const second = await reader.read(2);
    expect(second.records.map((r) => r.SequenceNumber)).toEqual(['1003']);
    expect(second).toMatchObject({ ended: true, caughtUp: true });
    await settle();
    expect(starts).toHaveLength(1);
  });
});
