import { setTimeout as sleep } from 'node:timers/promises';
import { type BatchGetCommand, type BatchGetCommandOutput, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  batchGetConsistent,
  isConditionalCheckFailed,
  putIfVersion,
  type VersionedItemsClient,
} from '../../shared/aws/versionedItems.ts';
import { logger } from '../../shared/observability/powertools.ts';

const TABLE = 'items';
type Key = Record<string, unknown>;
const keyId = (key: Key) => String(key.id);
const keysOf = (count: number): Key[] => Array.from({ length: count }, (_, i) => ({ id: `k${i}` }));

/**
 * A fake document client over an in-memory table keyed by `id`. `answer` decides, per BatchGet
 * call (1-based), what happens to the keys asked for: `'unprocessed'` sends back the listed ones
 * (all when `true`) as UnprocessedKeys, `'throw'` fails the call.
 */
function fakeClient(
  items: readonly Key[],
  answer: (call: number, keys: Key[]) => { unprocessed?: Key[] } | 'throw' = () => ({}),
  delayMs = 0,
) {
  const stored = new Map(items.map((item) => [keyId(item), item]));
  const batchGets: Key[][] = [];
  const puts: PutCommand['input'][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const client: VersionedItemsClient = {
    async send(command: BatchGetCommand | PutCommand): Promise<never> {
      if (command instanceof PutCommand) {
        puts.push(command.input);
        return {} as never;
      }
      const request = command.input.RequestItems?.[TABLE];
      expect(request?.ConsistentRead).toBe(true);
      const keys = request?.Keys ?? [];
      expect(keys.length).toBeLessThanOrEqual(100);
      batchGets.push(keys);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (delayMs) await sleep(delayMs);
        const decision = answer(batchGets.length, keys);
        if (decision === 'throw') throw new Error('ProvisionedThroughputExceededException');
        const unprocessed = new Set((decision.unprocessed ?? []).map(keyId));
        const output: BatchGetCommandOutput = {
          $metadata: {},
          Responses: {
            [TABLE]: keys.flatMap((key): Key[] => {
              const item = stored.get(keyId(key));
              return item && !unprocessed.has(keyId(key)) ? [item] : [];
            }),
          },
          UnprocessedKeys:
            unprocessed.size > 0 ? { [TABLE]: { Keys: keys.filter((key) => unprocessed.has(keyId(key))) } } : {},
        };
        return output as never;
      } finally {
        inFlight -= 1;
      }
    },
  };
  return { table: { client, tableName: TABLE }, batchGets, puts, maxInFlight: () => maxInFlight };
}

afterEach(() => vi.restoreAllMocks());

describe('batchGetConsistent', () => {
  it('maps every key to its item or to undefined, in chunks of at most 100 keys', async () => {
    const keys = keysOf(250);
    const fake = fakeClient(keys.filter((_, i) => i % 2 === 0).map((key) => ({ ...key, version: 1 })));
    const found = await batchGetConsistent(fake.table, keys, keyId);
    expect(fake.batchGets.map((chunk) => chunk.length)).toEqual([100, 100, 50]);
    expect(found.size).toBe(250);
    expect(found.get('k0')).toEqual({ id: 'k0', version: 1 });
    expect(found.has('k1')).toBe(true);
    expect(found.get('k1')).toBeUndefined();
    expect(found.get('k248')).toEqual({ id: 'k248', version: 1 });
  });

  it('asks once for a key given twice', async () => {
    const fake = fakeClient([{ id: 'a' }]);
    const found = await batchGetConsistent(fake.table, [{ id: 'a' }, { id: 'b' }, { id: 'a' }], keyId);
    expect(fake.batchGets).toEqual([[{ id: 'a' }, { id: 'b' }]]);
    expect([...found.keys()].sort()).toEqual(['a', 'b']);
  });

  it('asks again for unprocessed keys, and only for them', async () => {
    const keys = keysOf(5);
    const fake = fakeClient(keys.slice(0, 3), (call, asked) => (call === 1 ? { unprocessed: asked.slice(1, 4) } : {}));
    const found = await batchGetConsistent(fake.table, keys, keyId);
    expect(fake.batchGets.map((chunk) => chunk.map(keyId))).toEqual([
      ['k0', 'k1', 'k2', 'k3', 'k4'],
      ['k1', 'k2', 'k3'],
    ]);
    expect(Object.fromEntries(found)).toEqual({
      k0: { id: 'k0' },
      k1: { id: 'k1' },
      k2: { id: 'k2' },
      k3: undefined,
      k4: undefined,
    });
  });

  it('leaves out keys still unprocessed after the last call: unread, not absent', async () => {
    const keys = keysOf(3);
    const fake = fakeClient(keys, (_, asked) => ({ unprocessed: asked.filter((key) => key.id === 'k1') }));
    const found = await batchGetConsistent(fake.table, keys, keyId);
    expect(fake.batchGets.map((chunk) => chunk.map(keyId))).toEqual([['k0', 'k1', 'k2'], ['k1'], ['k1'], ['k1']]);
    expect(found.has('k1')).toBe(false);
    expect(Object.fromEntries(found)).toEqual({ k0: { id: 'k0' }, k2: { id: 'k2' } });
  });

  it('logs a failed call and leaves its keys unread, while the other chunks are read', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const keys = keysOf(200);
    const fake = fakeClient(keys, (_, asked) => (asked.some((key) => key.id === 'k150') ? 'throw' : {}));
    const found = await batchGetConsistent(fake.table, keys, keyId);
    expect(found.size).toBe(100);
    expect(found.get('k99')).toEqual({ id: 'k99' });
    expect(found.has('k100')).toBe(false);
    expect(found.has('k199')).toBe(false);
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]?.[1]).toMatchObject({ table: TABLE, keys: 100, error: expect.any(Error) });
  });

  it('leaves unread only what a retry that failed still had to read', async () => {
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const keys = keysOf(4);
    const fake = fakeClient(keys, (call, asked) => (call === 1 ? { unprocessed: asked.slice(2) } : 'throw'));
    const found = await batchGetConsistent(fake.table, keys, keyId);
    expect(Object.fromEntries(found)).toEqual({ k0: { id: 'k0' }, k1: { id: 'k1' } });
  });

  it('reads chunks concurrently, at most 8 at a time', async () => {
    const fake = fakeClient([], () => ({}), 10);
    const found = await batchGetConsistent(fake.table, keysOf(1200), keyId);
    expect(found.size).toBe(1200);
    expect(fake.batchGets).toHaveLength(12);
    expect(fake.maxInFlight()).toBe(8);
  });

  it('reads nothing for no keys', async () => {
    const fake = fakeClient([]);
    expect((await batchGetConsistent(fake.table, [], keyId)).size).toBe(0);
    expect(fake.batchGets).toEqual([]);
  });
});

describe('putIfVersion', () => {
  it('puts a first item only where there is none with its hash key', async () => {
    const fake = fakeClient([]);
    await putIfVersion(fake.table, 'pk', { pk: 'a', window: 'w', version: 1 }, undefined);
    expect(fake.puts).toEqual([
      {
        TableName: TABLE,
        Item: { pk: 'a', window: 'w', version: 1 },
        ConditionExpression: 'attribute_not_exists(#hashKey)',
        ExpressionAttributeNames: { '#hashKey': 'pk' },
      },
    ]);
  });

  it('replaces an item only while it is still at the version it was read at', async () => {
    const fake = fakeClient([]);
    await putIfVersion(fake.table, 'alertKey', { alertKey: 'a', version: 4 }, 3);
    expect(fake.puts).toEqual([
      {
        TableName: TABLE,
        Item: { alertKey: 'a', version: 4 },
        ConditionExpression: '#version = :readVersion',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':readVersion': 3 },
      },
    ]);
  });

  it('passes a refused put through for isConditionalCheckFailed to recognise', async () => {
    const refused = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
    });
    const client: VersionedItemsClient = { send: async () => Promise.reject(refused) };
    const error = await putIfVersion({ client, tableName: TABLE }, 'pk', { pk: 'a', version: 2 }, 1).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBe(refused);
    expect(isConditionalCheckFailed(error)).toBe(true);
  });
});

describe('isConditionalCheckFailed', () => {
  it('recognises only the failed-condition error', () => {
    expect(isConditionalCheckFailed(Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException' }))).toBe(
      true,
    );
    expect(isConditionalCheckFailed(new Error('ConditionalCheckFailedException'))).toBe(false);
    expect(
      isConditionalCheckFailed(Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException' })),
    ).toBe(false);
    expect(isConditionalCheckFailed({ name: 'ConditionalCheckFailedException' })).toBe(false);
    expect(isConditionalCheckFailed(undefined)).toBe(false);
  });
});
