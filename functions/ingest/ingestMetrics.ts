import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../../shared/observability/powertools.ts';
import type { IngestOutcome } from './ingestEvents.ts';
import type { IngestSummary } from './ingestResponse.ts';

/** EMF metrics of one request, including the hot-key signal (share of the busiest partition key). */
export function recordIngestMetrics({ stats, topPartitionKeys, sent }: IngestOutcome, summary: IngestSummary): void {
  metrics.addMetric('EventsAccepted', MetricUnit.Count, summary.accepted);
  metrics.addMetric('EventsRejected', MetricUnit.Count, summary.rejected);
  metrics.addMetric('EventsFailed', MetricUnit.Count, summary.failed);
  metrics.addMetric('PutRecordsCalls', MetricUnit.Count, stats.putRecordsCalls);
  metrics.addMetric('RetriedEntries', MetricUnit.Count, stats.retriedEntries);
  metrics.addMetric('ThrottledEntries', MetricUnit.Count, stats.throttledEntries);
  const hottest = topPartitionKeys[0];
  if (hottest && sent > 0) {
    // Both counts are over the records handed to the producer, so the share stays within 100%.
    metrics.addMetric('HottestPartitionKeyShare', MetricUnit.Percent, (100 * hottest.count) / sent);
    // Keys are high-cardinality: metadata (searchable in logs), never a dimension.
    metrics.addMetadata('topPartitionKeys', JSON.stringify(topPartitionKeys));
  }
}
