import type { OutgoingRecord } from '../kinesis/packRecords.ts';
import type { PipelineRecord, ProducerEvent } from './eventSchema.ts';
import { type IngestContext, partitionKeyOf, toPipelineRecord } from './pipelineRecord.ts';
import { encodeRecord } from './recordCodec.ts';

/**
 * A validated producer event, completed and encoded for PutRecords: what ingest, the produce CLI
 * and the benchmarks all send.
 */
export function toOutgoingRecord(
  index: number,
  event: ProducerEvent,
  context: IngestContext,
): { record: PipelineRecord; outgoing: OutgoingRecord } {
  const record = toPipelineRecord(event, context);
  return { record, outgoing: { index, data: encodeRecord(record), partitionKey: partitionKeyOf(record) } };
}
