import { describe, expect, it } from 'vitest';
import {
  CONFIGURATION,
  costModel,
  DEFAULT_MEASUREMENTS,
  DEFAULT_WORKLOAD,
  recordBytesOf,
  recordsPerInvoke,
} from '../../bench/costModel.ts';

const total = (lines: ReturnType<typeof costModel>) => lines.reduce((sum, line) => sum + line.monthlyUsd, 0);
const line = (lines: ReturnType<typeof costModel>, component: string, item: RegExp) =>
  lines.find((l) => l.component === component && item.test(l.item));

describe('cost model with KPL aggregation (events per record)', () => {
  it('is unchanged at one event per record', () => {
    expect(costModel({ ...DEFAULT_WORKLOAD, eventsPerRecord: 1 }, DEFAULT_MEASUREMENTS)).toEqual(
      costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS),
    );
  });

  it('bills the stream by aggregated records rounded up to 1 KB, not by events', () => {
    // 500 B events: 1 KB billed each alone; 20 to a record of ~10 KB: 10 KB billed per 20 events.
    const alone = costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS);
    const packed = costModel({ ...DEFAULT_WORKLOAD, eventsPerRecord: 20 }, DEFAULT_MEASUREMENTS);
    const dataIn = (lines: typeof alone) => line(lines, 'Kinesis (on-demand)', /^data in/)?.monthlyUsd ?? Number.NaN;
    expect(recordBytesOf(500, 20)).toBe(30 + 20 * 508);
    expect(dataIn(packed) / dataIn(alone)).toBeCloseTo(Math.ceil(recordBytesOf(500, 20) / 1024) / 20, 5);
    expect(total(packed)).toBeLessThan(total(alone));
  });

  it('caps a batch at the 6 MB invoke payload once records are large', () => {
    expect(recordsPerInvoke(15, CONFIGURATION.archive)).toBe(900);
    const capped = recordsPerInvoke(15, CONFIGURATION.archive, 8_500);
    expect(capped).toBeLessThan(900);
    expect(capped * (4 * Math.ceil(8_500 / 3) + 600)).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});
