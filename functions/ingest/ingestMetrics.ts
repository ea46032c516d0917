import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../../shared/observability/powertools.ts';
import type { IngestOutcome } from './ingestEvents.ts';

/** EMF metrics of one request, including the hot-key signal (share of the busiest partition key). */
export function recordIngestMetrics({ results, stats, topPartitionKeys }: IngestOutcome): void {
  const count = (status: string) => results.filter((r) => r.status === status).length;
  metrics.addMetric('EventsAccepted', MetricUnit.Count, count('accepted'));
  metrics.addMetric('EventsRejected', MetricUnit.Count, count('rejected'));
  metrics.addMetric('EventsFailed', MetricUnit.Count, count('failed'));
  metrics.addMetric('PutRecordsCalls', MetricUnit.Count, stats.putRecordsCalls);
  metrics.addMetric('RetriedEntries', MetricUnit.Count, stats.retriedEntries);
  metrics.addMetric('ThrottledEntries', MetricUnit.Count, stats.throttledEntries);
  const hottest = topPartitionKeys[0];
  if (hottest) {
    const total = results.length - count('rejected');
    metrics.addMetric('HottestPartitionKeyShare', MetricUnit.Percent, (100 * hottest.count) / Math.max(total, 1));
    // Keys are high-cardinality: metadata (searchable in logs), never a dimension.
    metrics.addMetadata('topPartitionKeys', JSON.stringify(topPartitionKeys));
  }
}
