import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InvokeResult } from '../../local/lambda/types.ts';
import { startSchedules } from '../../local/startSchedules.ts';

const schedule = {
  logicalId: 'SweepRule',
  expression: 'rate(1 minute)',
  periodMs: 60_000,
  functionLogicalIds: ['Sweep'],
};
const ok: InvokeResult = { ok: true, response: null, durationMs: 3, requestId: 'r' };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('local schedules', () => {
  it('invokes the target once per period, first one period after start, with a Scheduled Event', async () => {
    const invoke = vi.fn(async () => ok);
    const lines: string[] = [];
    const schedules = startSchedules(
      { schedules: [schedule] },
      { invoke, region: 'us-east-1', accountId: '000000000000', log: (line) => lines.push(line) },
    );
    await vi.advanceTimersByTimeAsync(59_999);
    expect(invoke).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(invoke).toHaveBeenCalledTimes(3);
    expect(invoke.mock.calls[0]).toEqual([
      'Sweep',
      expect.objectContaining({
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:000000000000:rule/SweepRule'],
        detail: {},
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      }),
    ]);
    expect(lines[0]).toBe('Sweep <- rate(1 minute) (3 ms) ok');
    await schedules.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(invoke).toHaveBeenCalledTimes(3);
  });

  it('logs a failed run and keeps the schedule going; stop waits for a run in flight', async () => {
    let finish: (result: InvokeResult) => void = () => undefined;
    const invoke = vi
      .fn<(id: string, event: unknown) => Promise<InvokeResult>>()
      .mockResolvedValueOnce({
        ok: false,
        error: { errorType: 'Error', errorMessage: 'table gone', timedOut: false },
        durationMs: 1,
        requestId: 'r',
      })
      .mockImplementationOnce(() => new Promise((resolve) => (finish = resolve)));
    const lines: string[] = [];
    const schedules = startSchedules(
      { schedules: [schedule] },
      { invoke, region: 'us-east-1', accountId: '1', log: (line) => lines.push(line) },
    );
    await vi.advanceTimersByTimeAsync(120_000);
    expect(lines).toEqual(['Sweep <- rate(1 minute) (1 ms) failed: Error: table gone']);
    let stopped = false;
    const stopping = schedules.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish(ok);
    await stopping;
    expect(lines).toHaveLength(2);
  });
});
