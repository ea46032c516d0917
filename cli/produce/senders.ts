import { kinesisClient } from '../../shared/aws/clients.ts';
import { toOutgoingRecord } from '../../shared/events/outgoingRecord.ts';
import { validEvent } from '../../shared/events/validateEvent.ts';
import { uuidv7 } from '../../shared/ids/uuidv7.ts';
import { withAggregation } from '../../shared/kinesis/aggregatingProducer.ts';
import { createProducer } from '../../shared/kinesis/producer.ts';
import { eventsUrl } from './destination.ts';
import type { Reasons, Tally } from './report.ts';

/** Sends one request's events; counts them, and the reasons of those not accepted into `reasons`. */
export type Send = (events: Record<string, unknown>[]) => Promise<Tally>;

/** A request that got no per-event answer (no connection, a refused token, ...): sending cannot go on. */
export class SendFailure extends Error {
  override name = 'SendFailure';
}

/** What a whole-request refusal of POST /events means for this command. */
const HTTP_HINTS: Record<number, string> = {
  401: 'the token is missing, unknown or revoked: pass --token T or set KP_TOKEN',
  404: 'no /events here: --url is the HTTP API base address',
  413: 'the request is too large: lower --batch',
};

interface EventResult {
  status?: string;
  code?: string;
  error?: string;
}

/**
 * POST /events, one request per call. Per-event results (200, 207, 400, 403, 503) are counted; a
 * request without them (401, 413, ...) or without any answer throws a SendFailure.
 */
export function viaHttp(endpoint: string, bearer: string, reasons: Reasons, local: boolean): Send {
  const target = eventsUrl(endpoint);
  return async (events) => {
    let response: Response;
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: JSON.stringify(events),
      });
    } catch (error) {
      throw new SendFailure(`POST ${target}: ${noAnswer(error, local)}`);
    }
    const body = (await response.json().catch(() => ({}))) as Partial<Tally> & {
      code?: string;
      message?: string;
      results?: EventResult[];
    };
    const results = Array.isArray(body.results) ? body.results : [];
    if (results.length === 0 && response.status >= 400) {
      const said = [body.code, body.message].filter(Boolean).join(': ');
      const hint = HTTP_HINTS[response.status];
      throw new SendFailure(
        `POST ${target} answered ${response.status}${said ? ` (${said})` : ''}${hint ? `: ${hint}` : ''}`,
      );
    }
    for (const result of results) {
      if (result.status === 'rejected' || result.status === 'failed') {
        reasons.add({ status: result.status, code: result.code, message: result.error });
      }
    }
    const missing = events.length - results.length;
    if (missing > 0 && body.failed === undefined) {
      reasons.add({ status: 'failed', code: `HTTP ${response.status}`, message: body.message }, missing);
    }
    return { accepted: body.accepted ?? 0, rejected: body.rejected ?? 0, failed: body.failed ?? events.length };
  };
}

/** `fetch failed` says nothing: its cause does (`other side closed`, `connect ECONNREFUSED …`). */
function noAnswer(error: unknown, local: boolean): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const text = cause instanceof Error ? cause.message : String(cause);
  return `no answer (${text})${local ? ': is npm start still running?' : ''}`;
}

/** Straight to the stream with the pipeline's producer (optionally KPL-aggregating), as ingest writes. */
export function viaStream(streamName: string, reasons: Reasons, aggregateBytes: number | undefined): Send {
  const putRecords = createProducer({ client: kinesisClient(), streamName });
  const producer =
    aggregateBytes === undefined ? putRecords : withAggregation(putRecords, { maxRecordBytes: aggregateBytes });
  return async (events) => {
    const context = { receivedAt: new Date().toISOString(), ingestRequestId: `cli-${uuidv7()}` };
    const outgoing = events.map((e, i) => toOutgoingRecord(i, validEvent(e), context).outgoing);
    const { outcomes } = await producer.put(outgoing);
    const tally: Tally = { accepted: 0, rejected: 0, failed: 0 };
    for (const outcome of outcomes) {
      tally[outcome.status] += 1;
      if (outcome.status !== 'accepted') {
        reasons.add({ status: outcome.status, code: outcome.code, message: outcome.error });
      }
    }
    return tally;
  };
}
