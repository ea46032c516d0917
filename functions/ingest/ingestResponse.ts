import { type HttpResponse, jsonResponse } from '../../shared/http/jsonResponse.ts';
import type { EventResult } from './ingestEvents.ts';

/** Seconds a producer should wait before retrying when nothing could be written. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The status of a POST /events whose body was read, from its per-event results:
 * - 200: every event accepted;
 * - 400: nothing sent, because events were invalid (403 when every refusal was a forbidden source);
 * - 503 + Retry-After: events were sent and none could be written;
 * - 207: anything else (some accepted, others rejected or failed).
 */
export function ingestStatus(results: readonly EventResult[]): number {
  const count = (status: EventResult['status']) => results.filter((r) => r.status === status).length;
  const accepted = count('accepted');
  const failed = count('failed');
  if (accepted === results.length) return 200;
  if (accepted > 0) return 207;
  if (failed > 0) return 503;
  return results.every((r) => r.code === 'source_not_allowed') ? 403 : 400;
}

export function ingestResponse(requestId: string, results: EventResult[]): HttpResponse {
  const statusCode = ingestStatus(results);
  const summary = {
    accepted: results.filter((r) => r.status === 'accepted').length,
    rejected: results.filter((r) => r.status === 'rejected').length,
    failed: results.filter((r) => r.status === 'failed').length,
  };
  const headers: Record<string, string> = statusCode === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {};
  return jsonResponse(statusCode, { requestId, ...summary, results }, headers);
}
