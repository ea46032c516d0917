import type { AuthorizedProducer } from '../../shared/auth/authorizerContext.ts';
import { isSourceAllowed } from '../../shared/auth/tokens.ts';
import type { ProducerEvent } from '../../shared/events/eventSchema.ts';
import { toOutgoingRecord } from '../../shared/events/outgoingRecord.ts';
import { validateEvent } from '../../shared/events/validateEvent.ts';
import { type BodyLimits, type HttpBody, type ParsedItem, parseEvents } from '../../shared/http/parseEvents.ts';
import type { OutgoingRecord } from '../../shared/kinesis/packRecords.ts';
import type { Producer, ProduceStats, PutOutcome } from '../../shared/kinesis/producer.ts';
import { topPartitionKeys } from '../../shared/kinesis/topPartitionKeys.ts';

export interface IngestRequest {
  requestId: string;
  receivedAt: Date;
  http: HttpBody;
  caller: AuthorizedProducer;
  /** Epoch ms by which the last PutRecords attempt must be done. */
  deadline: number;
}

export type EventStatus = 'accepted' | 'rejected' | 'failed';

/** One entry of the response's `results`, in request order. */
export interface EventResult {
  index: number;
  id: string | null;
  status: EventStatus;
  sequenceNumber?: string;
  /** Its place inside the KPL-aggregated record it went in (ingest aggregation on); else absent. */
  subSequenceNumber?: number;
  shardId?: string;
  code?: string;
  error?: string;
  retryable?: boolean;
  /** Only on `failed`, and only when true: Kinesis may have written it (see README, Ingest). */
  maybeWritten?: true;
}

export interface IngestOutcome {
  results: EventResult[];
  stats: ProduceStats;
  topPartitionKeys: Array<{ partitionKey: string; count: number }>;
  /** Valid, allowed events handed to the producer. */
  sent: number;
}

type Checked = { ok: true; event: ProducerEvent } | { ok: false; code: string; error: string };

/**
 * POST /events without the HTTP wrapping: parse the body, validate each event, keep the ones the
 * caller may send, write them with the producer, and report every event's fate by index.
 */
export async function ingestEvents(
  request: IngestRequest,
  deps: { producer: Producer; limits: BodyLimits },
): Promise<IngestOutcome> {
  const items = parseEvents(request.http, deps.limits);
  const context = { receivedAt: request.receivedAt.toISOString(), ingestRequestId: request.requestId };
  const results: EventResult[] = [];
  const outgoing: OutgoingRecord[] = [];
  items.forEach((item, index) => {
    const checked = checkEvent(item, request.caller);
    if (!checked.ok) {
      results[index] = { index, id: idOf(item), status: 'rejected', code: checked.code, error: checked.error };
      return;
    }
    const { record, outgoing: entry } = toOutgoingRecord(index, checked.event, context);
    results[index] = { index, id: record.id, status: 'failed' };
    outgoing.push(entry);
  });
  const { outcomes, stats } = await deps.producer.put(outgoing, { deadline: request.deadline });
  for (const outcome of outcomes) Object.assign(results[outcome.index] as EventResult, resultFields(outcome));
  return { results, stats, topPartitionKeys: topPartitionKeys(outgoing, 5), sent: outgoing.length };
}

function checkEvent(item: ParsedItem, caller: AuthorizedProducer): Checked {
  if (!item.ok) return { ok: false, code: 'invalid_json', error: item.error };
  const validation = validateEvent(item.value);
  if (!validation.ok) return { ok: false, code: 'invalid_event', error: validation.error };
  const { event } = validation;
  if (!isSourceAllowed(caller.sources, event.source)) {
    return {
      ok: false,
      code: 'source_not_allowed',
      error: `producer "${caller.producer}" may not send events with source "${event.source}"`,
    };
  }
  return { ok: true, event };
}

function idOf(item: ParsedItem): string | null {
  const id =
    item.ok && item.value !== null && typeof item.value === 'object' ? (item.value as { id?: unknown }).id : null;
  return typeof id === 'string' ? id : null;
}

function resultFields(outcome: PutOutcome): Partial<EventResult> {
  switch (outcome.status) {
    case 'accepted':
      return {
        status: 'accepted',
        sequenceNumber: outcome.sequenceNumber,
        ...(outcome.subSequenceNumber === undefined ? {} : { subSequenceNumber: outcome.subSequenceNumber }),
        shardId: outcome.shardId,
      };
    case 'rejected':
      return { status: 'rejected', code: outcome.code, error: outcome.error };
    case 'failed':
      return {
        status: 'failed',
        code: outcome.code,
        error: outcome.error,
        retryable: outcome.retryable,
        ...(outcome.maybeWritten ? { maybeWritten: true as const } : {}),
      };
  }
}
