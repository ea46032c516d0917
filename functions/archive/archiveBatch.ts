import { type BatchProcessor, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { PartialItemFailureResponse } from '@aws-lambda-powertools/batch/types';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { metrics } from '../../shared/observability/powertools.ts';
import { type ArchiveObject, planArchive } from './planArchive.ts';
import { type ObjectWriter, writeArchive } from './writeArchive.ts';

export interface ArchiveDependencies {
  s3: ObjectWriter;
  bucket: string;
  /** `new BatchProcessor(EventType.KinesisDataStreams)`, created once per process. */
  processor: BatchProcessor;
}

/**
 * Archives one batch as one object per prefix (see `planArchive`), then reports per record through
 * the batch utility: a record fails exactly when the object holding it could not be written.
 *
 * - Everything written: no failures; Lambda moves past the batch.
 * - One of two objects failed (say `errors/`): only its records are reported; Lambda checkpoints
 *   before the lowest of them and delivers the rest of the batch again (as a new, shorter batch).
 * - Every record failed: the batch utility throws, so the invoke fails; Lambda retries it, bisected
 *   (`BisectBatchOnFunctionError`), and after `MaximumRetryAttempts` sends the batch, payload
 *   included, to the S3 on-failure destination. Data is never dropped silently.
 *
 * Records are checked in order (`processInParallel: false`) so failures come out in shard order.
 *
 * @example
 * export const handler = (event, context) => archiveBatch(event, context, deps);
 */
export async function archiveBatch(
  event: KinesisStreamEvent,
  context: Context,
  deps: ArchiveDependencies,
): Promise<PartialItemFailureResponse> {
  if (event.Records.length === 0) return { batchItemFailures: [] };
  const objects = planArchive(event.Records);
  const failed = await writeArchive(objects, deps);
  recordArchiveMetrics(objects, failed.size);
  const recordHandler = async (record: KinesisStreamRecord): Promise<void> => {
    const error = failed.get(record.kinesis.sequenceNumber);
    if (error) throw error;
  };
  return processPartialResponse(event, recordHandler, deps.processor, { context, processInParallel: false });
}

function recordArchiveMetrics(objects: readonly ArchiveObject[], failedRecords: number): void {
  const count = (prefix: ArchiveObject['prefix']) =>
    objects.filter((object) => object.prefix === prefix).reduce((total, object) => total + object.lines.length, 0);
  metrics.addMetric('ArchivedEvents', MetricUnit.Count, count('events'));
  metrics.addMetric('ArchivedInvalidRecords', MetricUnit.Count, count('errors'));
  metrics.addMetric('ArchiveFailedRecords', MetricUnit.Count, failedRecords);
}
