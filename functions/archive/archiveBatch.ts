import type { PartialItemFailureResponse } from '@aws-lambda-powertools/batch/types';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { reportRecordFailures } from '../../shared/consumers/reportRecordFailures.ts';
import { metrics } from '../../shared/observability/powertools.ts';
import { type ArchiveObject, planArchive } from './planArchive.ts';
import { type ObjectWriter, writeArchive } from './writeArchive.ts';

export interface ArchiveDependencies {
  s3: ObjectWriter;
  bucket: string;
}

/**
 * Archives one batch as one object per prefix (see `planArchive`), then reports per record through
 * the batch utility.
 *
 * - Everything written: no failures; Lambda moves past the batch.
 * - Any object not written: every record of the batch is reported, its first one included, and the
 *   invoke itself succeeds (`throwOnFullBatchFailure: false`). Lambda retries from the first record:
 *   the same batch, so the same keys, and the object that was written is overwritten with the same
 *   bytes. (Reporting only the failed object's records would have Lambda resend the rest of the
 *   batch from the lowest of them, a new cut.) Should Lambda cut the retry differently anyway (it
 *   bisects a batch after a timeout or crash, and may split a batch whose first record failed),
 *   `writeArchive` removes the earlier cut once the new one is written: no record is archived twice.
 * - After `MaximumRetryAttempts` the batch goes, payload included, to the S3 on-failure
 *   destination. Data is never dropped silently.
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
  const batchError = failed.values().next().value;
  // A record whose own object was written is retried with its batch, for the reason above.
  return reportRecordFailures(event, context, (record) => failed.get(record.kinesis.sequenceNumber) ?? batchError, {
    throwOnFullBatchFailure: false,
  });
}

function recordArchiveMetrics(objects: readonly ArchiveObject[], failedRecords: number): void {
  const count = (prefix: ArchiveObject['prefix']) =>
    objects.filter((object) => object.prefix === prefix).reduce((total, object) => total + object.lines.length, 0);
  metrics.addMetric('ArchivedEvents', MetricUnit.Count, count('events'));
  metrics.addMetric('ArchivedInvalidRecords', MetricUnit.Count, count('errors'));
  metrics.addMetric('ArchiveFailedRecords', MetricUnit.Count, failedRecords);
}
