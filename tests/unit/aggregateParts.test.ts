import { describe, expect, it } from 'vitest';
import { mergeByWindow } from '../../functions/query/mergeByWindow.ts';
import {
  type AggregateTotals,
  BY_HOUR_PARTITIONS,
  byHourKey,
  byHourKeys,
  partSortKey,
  partSortKeyRange,
  sumAggregateParts,
} from '../../shared/aggregates/aggregateItem.ts';

const WINDOW = '2026-11-25T21:04:00.000Z';

const part = (fields: Partial<AggregateTotals>): AggregateTotals => ({
  type: 'click',
  window: WINDOW,
  count: 1,
  valueCount: 0,
  sum: 0,
  firstEventTime: '2026-11-25T21:04:10.000Z',
  lastEventTime: '2026-11-25T21:04:10.000Z',
  ...fields,
});

describe('sumAggregateParts', () => {
  it('adds counts and sums, keeps the extreme values and event times of all parts', () => {
    const totals = sumAggregateParts([
      part({ count: 3, valueCount: 2, sum: 5, min: 1, max: 4, lastEventTime: '2026-11-25T21:04:50.000Z' }),
      part({ count: 2, firstEventTime: '2026-11-25T21:04:01.000Z' }),
      part({ count: 4, valueCount: 4, sum: -6, min: -3, max: 2 }),
    ]);
    expect(totals).toEqual({
      type: 'click',
      window: WINDOW,
      count: 9,
      valueCount: 6,
      sum: -1,
      min: -3,
      max: 4,
      firstEventTime: '2026-11-25T21:04:01.000Z',
      lastEventTime: '2026-11-25T21:04:50.000Z',
    });
  });

  it('copies only the totals, never the bookkeeping of a stored part', () => {
    const stored = { ...part({ source: 'web' }), pk: 'TS#click#web', watermark: '9', version: 4, hour: 'x' };
    expect(Object.keys(sumAggregateParts([stored])).sort()).toEqual(
      ['count', 'firstEventTime', 'lastEventTime', 'source', 'sum', 'type', 'valueCount', 'window'].sort(),
    );
  });

  it('has no min or max while no part saw a value, and refuses an empty list', () => {
    expect(sumAggregateParts([part({}), part({})])).not.toHaveProperty('min');
    expect(() => sumAggregateParts([])).toThrow(/no parts/);
  });
});

describe('part keys', () => {
  it("sorts a key's parts by window, then shard, and bounds a window range around every shard", () => {
    const shards = ['shardId-000000000000', 'shardId-000000000031', 'shardId-1.2_x'];
    const { lo, hi } = partSortKeyRange(WINDOW, WINDOW);
    for (const shard of shards) {
      const key = partSortKey(WINDOW, shard);
      expect(key >= lo && key <= hi).toBe(true);
      expect(key < partSortKey('2026-11-25T21:05:00.000Z', '')).toBe(true);
      expect(key > partSortKey('2026-11-25T21:03:00.000Z', 'shardId-999999999999')).toBe(true);
    }
    // Bounds that are instants inside windows hold every window starting between them.
    const range = partSortKeyRange('2026-11-25T21:03:30.000Z', '2026-11-25T21:04:00.000Z');
    expect(partSortKey('2026-11-25T21:03:00.000Z', shards[0] as string) < range.lo).toBe(true);
    expect(partSortKey(WINDOW, shards[0] as string) <= range.hi).toBe(true);
  });

  it('spreads an hour over every byHour partition and reads them all back', () => {
    const used = new Set<string>();
    for (let type = 0; type < 16; type += 1) {
      for (let shard = 0; shard < 4; shard += 1) {
        used.add(byHourKey(WINDOW, `T#type${type}`, `shardId-${String(shard).padStart(12, '0')}`));
      }
    }
    expect([...used].sort()).toEqual(byHourKeys('2026-11-25T21').sort());
    expect(byHourKeys('2026-11-25T21')).toHaveLength(BY_HOUR_PARTITIONS);
    // The same part always lands in the same partition, and the partition belongs to the window's hour.
    expect(byHourKey(WINDOW, 'T#page_view', 'shardId-000000000003')).toBe('2026-11-25T21#2');
  });
});

/** Pages from a list, as a DynamoDB query would hand them out, counting what was read. */
function pagesOf<T>(pages: T[][], read: { pages: number; closed: boolean }): AsyncIterable<T[]> {
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (const page of pages) {
          read.pages += 1;
          yield page;
        }
      } finally {
        read.closed = true;
      }
    },
  };
}

describe('mergeByWindow', () => {
  const at = (minute: number, id: string) => ({ window: `2026-11-25T21:0${minute}:00.000Z`, id });

  it('hands out each window whole, in order, across sources and page boundaries', async () => {
    const reads = [0, 1, 2].map(() => ({ pages: 0, closed: false }));
    const windows: string[][] = [];
    const sources = [
      pagesOf(
        [
          [at(1, 'a1'), at(1, 'a2')],
          [at(1, 'a3'), at(3, 'a4')],
        ],
        reads[0] as never,
      ),
      pagesOf([[], [at(2, 'b1')], [at(3, 'b2'), at(3, 'b3')]], reads[1] as never),
      pagesOf([[at(1, 'c1'), at(2, 'c2'), at(4, 'c3')]], reads[2] as never),
    ];
    for await (const window of mergeByWindow(sources)) windows.push(window.map((item) => item.id).sort());
    expect(windows).toEqual([['a1', 'a2', 'a3', 'c1'], ['b1', 'c2'], ['a4', 'b2', 'b3'], ['c3']]);
  });

  it('stops reading and closes every source when the reader stops', async () => {
    const reads = [0, 1].map(() => ({ pages: 0, closed: false }));
    const sources = [
      pagesOf([[at(1, 'a1')], [at(2, 'a2')], [at(3, 'a3')], [at(4, 'a4')]], reads[0] as never),
      pagesOf([[at(1, 'b1')], [at(5, 'b2')]], reads[1] as never),
    ];
    for await (const window of mergeByWindow(sources)) {
      expect(window.map((item) => item.id)).toEqual(['a1', 'b1']);
      break;
    }
    expect(reads.map((read) => read.closed)).toEqual([true, true]);
    expect(reads[0]?.pages).toBe(2);
  });

  it('ends at once with no sources or only empty ones', async () => {
    const windows: unknown[] = [];
    for await (const window of mergeByWindow([])) windows.push(window);
    for await (const window of mergeByWindow([pagesOf([[], []], { pages: 0, closed: false })])) windows.push(window);
    expect(windows).toEqual([]);
  });
});
