import { z } from 'zod';
import { readEnv } from '../../shared/config/readEnv.ts';
import { DEFAULT_PUT_RECORDS_LIMITS } from '../../shared/kinesis/limits.ts';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const ingestConfigSchema = z.object({
  STREAM_NAME: z.string().min(1),
  IDEMPOTENCY_TABLE: z.string().min(1),
  /**
   * Largest request body, compressed and decompressed. Every body the function accepts must reach
   * it: API Gateway invokes it with the whole event as JSON, at most 6,291,456 bytes, and passes
   * NDJSON, `*+json`, gzip and bodies without a Content-Type base64-encoded (4/3 of the size).
   * 4,500,000 bytes take 6,000,000 in base64, which leaves 291,456 bytes for the rest of the event:
   * the request line and headers (at most 10,240 bytes on an HTTP API,
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html; each part
   * appears a few times in the event, at most doubled by JSON escaping), the request context
   * (about 1 KB) and the authorizer's context (the producer and its sources). A body somewhat over
   * the limit still reaches the function and gets its JSON 413; a base64 body over about 4.7 MB
   * gets API Gateway's own error instead. A JSON text body is not base64-encoded but escaped in
   * the event (a quote or a newline takes 2 bytes): typical events grow by less than a third, but
   * a body made mostly of such characters can pass 6 MB below this limit.
   */
  MAX_BODY_BYTES: positiveInt(4_500_000),
  /** Most events per request: the per-event response must stay under Lambda's 6 MB. */
  MAX_EVENTS: positiveInt(10_000),
  MAX_RECORD_BYTES: positiveInt(DEFAULT_PUT_RECORDS_LIMITS.maxRecordBytes),
  MAX_REQUEST_BYTES: positiveInt(DEFAULT_PUT_RECORDS_LIMITS.maxRequestBytes),
  PUT_CONCURRENCY: positiveInt(4),
  /**
   * Pack events of one partition key into KPL-format aggregated records of at most this many bytes
   * (data and partition key; capped at MAX_RECORD_BYTES). 0: off, one Kinesis record per event.
   */
  AGGREGATE_RECORD_BYTES: z.coerce.number().int().min(0).default(0),
  /** Time kept back from the Lambda timeout to answer after the last retry. */
  DEADLINE_RESERVE_MS: positiveInt(1_000),
  /** How long an Idempotency-Key remembers its response. */
  IDEMPOTENCY_TTL_SECONDS: positiveInt(3_600),
});

export type IngestConfig = z.infer<typeof ingestConfigSchema>;

/** Read once per cold start. */
export const readIngestConfig = (): IngestConfig => readEnv(ingestConfigSchema);
