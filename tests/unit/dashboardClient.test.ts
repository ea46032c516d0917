import { describe, expect, it } from 'vitest';
import { sampleEvent, seededRandom } from '../../cli/sampleEvents.ts';
import type { TokenStorage } from '../../functions/dashboard/client/browser.ts';
import { PALETTE, typeColours } from '../../functions/dashboard/client/colours.ts';
import { eventsSeries, lastWindows } from '../../functions/dashboard/client/series.ts';
import { tokenInFragment, tokenKeeper } from '../../functions/dashboard/client/token.ts';

describe('lastWindows', () => {
  it('lists the minute windows of the last hour, oldest first, the current one last', () => {
    const windows = lastWindows(Date.parse('2026-11-25T21:04:37.120Z'), 60);
    expect(windows).toHaveLength(60);
    expect(windows[0]).toBe('2026-11-25T20:05:00.000Z');
    expect(windows[59]).toBe('2026-11-25T21:04:00.000Z');
  });
});

describe('eventsSeries', () => {
  const windows = ['2026-11-25T21:00:00.000Z', '2026-11-25T21:01:00.000Z', '2026-11-25T21:02:00.000Z'];

  it('puts each type in its own dataset, zero where a window has no events', () => {
    const series = eventsSeries(
      [
        { type: 'page_view', window: windows[0] as string, count: 4 },
        { type: 'error', window: windows[2] as string, count: 6 },
        { type: 'page_view', window: windows[2] as string, count: 1 },
        { type: 'late', window: '2026-11-25T20:00:00.000Z', count: 99 },
      ],
      windows,
    );
    expect(series.datasets).toEqual([
      { type: 'error', counts: [0, 0, 6] },
      { type: 'page_view', counts: [4, 0, 1] },
    ]);
    expect(series.totals).toEqual([
      { type: 'error', count: 6 },
      { type: 'page_view', count: 5 },
    ]);
    expect(series.total).toBe(11);
  });

  it('is empty without rows', () => {
    expect(eventsSeries([], windows)).toEqual({ windows, datasets: [], totals: [], total: 0 });
  });
});

describe('typeColours', () => {
  // The types `npm run produce` sends, as it picks them, plus the one issue 11 saw share a colour.
  const random = seededRandom(11);
  const sampleTypes = [...new Set(Array.from({ length: 2000 }, () => String(sampleEvent({ random }).type)))].sort();
  const distinct = (colours: Map<string, string>) => new Set(colours.values()).size;

  it('has a palette of twelve different colours', () => {
    expect(PALETTE).toHaveLength(12);
    expect(new Set(PALETTE).size).toBe(12);
  });

  it('gives the sample types and search a colour each, none shared', () => {
    expect(sampleTypes).toEqual(['click', 'error', 'order_placed', 'page_view']);
    const colours = typeColours([...sampleTypes, 'search']);
    expect([...colours.keys()].sort()).toEqual([...sampleTypes, 'search'].sort());
    expect(distinct(colours)).toBe(colours.size);
    for (const colour of colours.values()) expect(PALETTE).toContain(colour);
    expect(colours.get('order_placed')).not.toBe(colours.get('search'));
  });

  it('depends only on the set of types, not on their order or repeats', () => {
    const types = [...sampleTypes, 'search', 'purchase'];
    const colours = typeColours(types);
    expect(typeColours([...types].reverse())).toEqual(colours);
    expect(typeColours([...types, ...types])).toEqual(colours);
    expect(typeColours(types)).toEqual(colours);
  });

  it('moves a type whose colour is taken to a free one: twelve types take the whole palette', () => {
    // Only 8 different places in the palette among these names' hashes.
    const twelve = Array.from({ length: 12 }, (_, i) => `type_${i}`);
    const colours = typeColours(twelve);
    expect(new Set(colours.values())).toEqual(new Set(PALETTE));
  });

  it('goes past the palette without repeating a colour', () => {
    const many = Array.from({ length: 40 }, (_, i) => `type_${String(i).padStart(2, '0')}`);
    const colours = typeColours(many);
    expect(colours.size).toBe(40);
    expect(distinct(colours)).toBe(40);
  });
});

describe('the dashboard token', () => {
  function memoryStorage(): TokenStorage & { values: Map<string, string> } {
    const values = new Map<string, string>();
    return {
      values,
      getItem: (key) => values.get(key) ?? null,
      setItem: (key, value) => void values.set(key, value),
      removeItem: (key) => void values.delete(key),
    };
  }

  it('is read from a #token= fragment', () => {
    expect(tokenInFragment('#token=kp_abc.def')).toBe('kp_abc.def');
    expect(tokenInFragment('#other=1&token=kp_x')).toBe('kp_x');
    expect(tokenInFragment('#token=')).toBeUndefined();
    expect(tokenInFragment('')).toBeUndefined();
  });

  it('is kept in storage and removed from the address bar', () => {
    const storage = memoryStorage();
    const replaced: string[] = [];
    const tokens = tokenKeeper(storage);
    const location = { hash: '#token=kp_1', href: 'http://x/dash/?a=1#token=kp_1', pathname: '/dash/', search: '?a=1' };
    expect(tokens.adoptFromUrl(location, { replaceState: (_d, _u, url) => replaced.push(url) })).toBe('kp_1');
    expect(replaced).toEqual(['/dash/?a=1']);
    expect(tokens.get()).toBe('kp_1');
    tokens.clear();
    expect(tokens.get()).toBeUndefined();
  });

  it('leaves the URL alone without a fragment token', () => {
    const storage = memoryStorage();
    const replaced: string[] = [];
    const location = { hash: '', href: 'http://x/', pathname: '/', search: '' };
    expect(tokenKeeper(storage).adoptFromUrl(location, { replaceState: (_d, _u, url) => replaced.push(url) })).toBe(
      undefined,
    );
    expect(replaced).toEqual([]);
    expect(storage.values.size).toBe(0);
  });
});
