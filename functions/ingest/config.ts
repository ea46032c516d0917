import { z } from 'zod';
import { readEnv } from '../../shared/config/readEnv.ts';
import { DEFAULT_PUT_RECORDS_LIMITS, MIB } from '../../shared/kinesis/limits.ts';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const ingestConfigSchema = z.object({
  STREAM_NAME: z.string().min(1),
  IDEMPOTENCY_TABLE: z.string().min(1),
  /** Largest request body, compressed and decompressed. */
  MAX_BODY_BYTES: positiveInt(5 * MIB),
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
