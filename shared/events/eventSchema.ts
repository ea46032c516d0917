import { z } from 'zod';

/** RFC 3339 timestamp with an explicit offset (`Z` or `±hh:mm`), as CloudEvents `time` requires. */
export const rfc3339 = z.iso.datetime({ offset: true });

/**
 * An event as a producer posts it: CloudEvents 1.0 shaped, extra attributes allowed and kept.
 * `id` and `time` are optional here; ingest fills them in (see `toPipelineRecord`).
 */
export const producerEventSchema = z.looseObject({
  specversion: z.literal('1.0').optional(),
  type: z.string().min(1).max(128),
  source: z.string().min(1).max(256),
  id: z.string().min(1).max(128).optional(),
  time: rfc3339.optional(),
  subject: z.string().min(1).max(256).optional(),
  // z.number() already refuses NaN and ±Infinity.
  value: z.number().optional(),
  // Any JSON, kept as is. It came out of JSON.parse (or goes into JSON.stringify), so no deep check here.
  data: z.unknown().optional(),
});

export type ProducerEvent = z.infer<typeof producerEventSchema>;

/**
 * The record written to Kinesis, as UTF-8 JSON, and what every consumer parses: the validated
 * producer event with `specversion`, `id` and `time` always present, plus `receivedAt` (when the
 * API received it) and `ingestRequestId` (the API request that carried it).
 */
export const pipelineRecordSchema = producerEventSchema.extend({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(128),
  time: rfc3339,
  receivedAt: rfc3339,
  ingestRequestId: z.string().min(1),
});

export type PipelineRecord = z.infer<typeof pipelineRecordSchema>;

/**
 * What every consumer reads from the stream: a record as ingest writes it, or any producer event
 * another producer wrote straight to the stream (the SDK, the Kinesis Agent, an IoT rule, the KPL),
 * which `streamEvents` completes: `receivedAt` and `ingestRequestId` may be present and are then
 * checked; absent, ingest never saw the event.
 */
export const streamRecordSchema = producerEventSchema.extend({
  receivedAt: rfc3339.optional(),
  ingestRequestId: z.string().min(1).optional(),
});

/**
 * An event as consumers handle it: `specversion`, `id`, `time` and `receivedAt` always present
 * (derived when the producer left them out, see shared/consumers/streamEvents.ts);
 * `ingestRequestId` only on events that came through POST /events or the produce CLI.
 */
export type StreamEventRecord = z.infer<typeof completedStreamRecordSchema>;

const completedStreamRecordSchema = pipelineRecordSchema.extend({ ingestRequestId: z.string().min(1).optional() });
