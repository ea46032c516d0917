import { uuidv7 } from '../ids/uuidv7.ts';
import type { PipelineRecord, ProducerEvent } from './eventSchema.ts';

/** Where and when ingest received an event. */
export interface IngestContext {
  /** RFC 3339 time the API received the request. */
  receivedAt: string;
  /** The API request id (API Gateway's, or the CLI's own when it writes straight to the stream). */
  ingestRequestId: string;
}

/**
 * Completes a validated producer event into the record that goes on the stream.
 * Ingest's own fields win over producer attributes of the same name.
 *
 * @example
 * toPipelineRecord({ type: 'page_view', source: 'web' }, { receivedAt: new Date().toISOString(), ingestRequestId: 'r1' });
 */
export function toPipelineRecord(event: ProducerEvent, context: IngestContext): PipelineRecord {
  // Object.assign rather than spread: same result and key order, several times faster in V8 here.
  return Object.assign({}, event, {
    specversion: '1.0' as const,
    id: event.id ?? uuidv7(),
    time: event.time ?? context.receivedAt,
    receivedAt: context.receivedAt,
    ingestRequestId: context.ingestRequestId,
  });
}

/** The partition key of a record: its `subject` if present, else its `source`. */
export function partitionKeyOf(record: Pick<PipelineRecord, 'subject' | 'source'>): string {
  return record.subject ?? record.source;
}
