import { type HttpResponse, jsonResponse } from '../../shared/http/jsonResponse.ts';
import type { EventResult } from './ingestEvents.ts';

/** Seconds a producer should wait before retrying when nothing could be written. */
export const RETRY_AFTER_SECONDS = 1;

export interface IngestSummary {
  accepted: number;
  rejected: number;
  failed: number;
  /** Every rejection was a `source` the producer may not send. */
  onlyForbiddenSources: boolean;
}

/** Counts the results once, for the status, the response and the metrics. */
export function summarize(results: readonly EventResult[]): IngestSummary {
  const summary = { accepted: 0, rejected: 0, failed: 0, onlyForbiddenSources: true };
  for (const result of results) {
    summary[result.status] += 1;
    if (result.status === 'rejected' && result.code !== 'source_not_allowed') summary.onlyForbiddenSources = false;
  }
  return summary;
}

/**
 * The status of a POST /events whose body was read, from its per-event results:
 * - 200: every event accepted;
 * - 400: nothing sent, because events were invalid (403 when every refusal was a forbidden source);
 * - 503 + Retry-After: events were sent and none could be written;
 * - 207: anything else (some accepted, others rejected or failed).
 */
export function ingestStatus({ accepted, rejected, failed, onlyForbiddenSources }: IngestSummary): number {
  if (rejected === 0 && failed === 0) return 200;
  if (accepted > 0) return 207;
  if (failed > 0) return 503;
  return onlyForbiddenSources ? 403 : 400;
}

/**
 * Lambda refuses a synchronous response over 6 MB, and API Gateway then answers 500. The budget
 * leaves room for the envelope. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const MAX_RESPONSE_BYTES = 6_000_000;

/**
 * The response to a POST /events whose body was read. Per-event results echo each event's `id` and
 * the reason for a refusal; when that would pass MAX_RESPONSE_BYTES (thousands of refused events
 * with long ids or many schema issues each), they are left out, and `message` says so: `index`,
 * `status`, `code`, `retryable`, `maybeWritten`, `sequenceNumber`, `subSequenceNumber` and `shardId` always remain.
 */
export function ingestResponse(requestId: string, results: EventResult[], summary = summarize(results)): HttpResponse {
  const statusCode = ingestStatus(summary);
  const { accepted, rejected, failed } = summary;
  const headers: Record<string, string> = statusCode === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {};
  const response = jsonResponse(statusCode, { requestId, accepted, rejected, failed, results }, headers);
  if (lambdaPayloadBytes(response) <= MAX_RESPONSE_BYTES) return response;
  const message = "results shortened to fit the 6 MB response limit: each event's id and error are left out";
  return jsonResponse(
    statusCode,
    { requestId, accepted, rejected, failed, message, results: results.map(withoutEcho) },
    headers,
  );
}

/** Bytes of the response as Lambda serializes it (JSON, the body as an escaped string). */
function lambdaPayloadBytes(response: HttpResponse): number {
  // Escaped and encoded, each UTF-16 unit of the body takes at most 3 bytes: below this, no need to measure.
  if (response.body.length * 3 < MAX_RESPONSE_BYTES - 4096) return 0;
  return Buffer.byteLength(JSON.stringify(response), 'utf8');
}

function withoutEcho({ id: _id, error: _error, ...kept }: EventResult): Omit<EventResult, 'id' | 'error'> {
  return kept;
}
