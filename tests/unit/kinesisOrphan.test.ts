import { describe, expect, it } from 'vitest';
import { orphanSnapshotWaitMs } from '../../local/emulators/kinesisOrphan.ts';

describe('orphanSnapshotWaitMs: how long kinesis-local outlives its parent for its last snapshot', () => {
  it.each([
    ['100ms', 5_200],
    ['2s', 9_000],
    ['1.5s', 8_000],
    ['1min', 60_000],
    ['10min', 60_000],
  ])('PERSIST_INTERVAL %s: two intervals and 5 s to write, at most a minute (%i ms)', (interval, expected) => {
    expect(orphanSnapshotWaitMs(interval)).toBe(expected);
  });

  it('waits the longest for an interval it cannot read', () => {
    expect(orphanSnapshotWaitMs('two seconds')).toBe(60_000);
  });
});
