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

export function ingestResponse(requestId: string, results: EventResult[], summary = summarize(results)): HttpResponse {
  const statusCode = ingestStatus(summary);
  const { accepted, rejected, failed } = summary;
  const headers: Record<string, string> = statusCode === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {};
  return jsonResponse(statusCode, { requestId, accepted, rejected, failed, results }, headers);
}
