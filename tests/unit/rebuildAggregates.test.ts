import { describe, expect, it } from 'vitest';
import { linesInWindows, windowRange } from '../../cli/replay/rebuildAggregates.ts';
import type { ArchivedEventLine } from '../../functions/archive/planArchive.ts';

const line = (id: string, time: string): ArchivedEventLine =>
  ({
    kinesis: { sequenceNumber: '1', partitionKey: id, approximateArrivalTimestamp: '2026-01-02T05:00:00.000Z' },
    event: { id, time, type: 't', source: 's' },
  }) as unknown as ArchivedEventLine;

describe('replay --rebuild: which windows, which events', () => {
  it('owns every window from the one holding --from through the one holding --to', () => {
    expect(windowRange(Date.parse('2026-01-02T03:00:30Z'), Date.parse('2026-01-02T03:05:59.999Z'))).toEqual({
      first: '2026-01-02T03:00:00.000Z',
      last: '2026-01-02T03:05:00.000Z',
    });
  });

  it('takes the events whose own time falls in those windows, whenever they arrived', () => {
    const range = windowRange(Date.parse('2026-01-02T03:00:30Z'), Date.parse('2026-01-02T03:05:10Z'));
    const lines = [
      line('before', '2026-01-02T02:59:59.999Z'),
      line('first', '2026-01-02T03:00:00.000Z'),
      line('offset', '2026-01-02T04:04:00+01:00'),
      line('last', '2026-01-02T03:05:59.999Z'),
      line('after', '2026-01-02T03:06:00.000Z'),
    ];
    expect(linesInWindows(lines, range).map(({ event }) => event.id)).toEqual(['first', 'offset', 'last']);
  });
});
