import { afterEach, describe, expect, it } from 'vitest';
import type { IngestOutcome } from '../../functions/ingest/ingestEvents.ts';
import { recordIngestMetrics } from '../../functions/ingest/ingestMetrics.ts';
import { summarize } from '../../functions/ingest/ingestResponse.ts';
import { metrics } from '../../shared/observability/powertools.ts';

afterEach(() => metrics.clearMetrics());

describe('ingest metrics', () => {
  it('emits counts by outcome, producer stats and the hot-key share, with keys as metadata only', () => {
    const outcome: IngestOutcome = {
      results: [
        { index: 0, id: 'a', status: 'accepted' },
        { index: 1, id: 'b', status: 'accepted' },
        { index: 2, id: 'c', status: 'failed', retryable: true },
        { index: 3, id: null, status: 'rejected', code: 'invalid_event' },
      ],
      stats: { putRecordsCalls: 3, retriedEntries: 2, throttledEntries: 2 },
      topPartitionKeys: [
        { partitionKey: 'user-1', count: 2 },
        { partitionKey: 'user-2', count: 1 },
      ],
      sent: 3,
    };
    recordIngestMetrics(outcome, summarize(outcome.results));
    const emf = metrics.serializeMetrics() as unknown as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][] }> };
    };
    expect(emf).toMatchObject({
      EventsAccepted: 2,
      EventsRejected: 1,
      EventsFailed: 1,
      PutRecordsCalls: 3,
      RetriedEntries: 2,
      ThrottledEntries: 2,
    });
    expect(emf.HottestPartitionKeyShare).toBeCloseTo((100 * 2) / 3);
    expect(JSON.parse(emf.topPartitionKeys as string)).toEqual(outcome.topPartitionKeys);
    expect(JSON.stringify(emf._aws.CloudWatchMetrics[0]?.Dimensions)).not.toContain('user-1');
  });

  it('keeps the hot-key share within 100% when the producer rejects some records of the key', () => {
    recordIngestMetrics(
      {
        results: [
          { index: 0, id: 'a', status: 'rejected', code: 'record_too_large' },
          { index: 1, id: 'b', status: 'rejected', code: 'record_too_large' },
        ],
        stats: { putRecordsCalls: 0, retriedEntries: 0, throttledEntries: 0 },
        topPartitionKeys: [{ partitionKey: 'k', count: 2 }],
        sent: 2,
      },
      { accepted: 0, rejected: 2, failed: 0, onlyForbiddenSources: false },
    );
    expect((metrics.serializeMetrics() as unknown as Record<string, number>).HottestPartitionKeyShare).toBe(100);
  });
});
