import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { lambdaRecord, toShardRecord } from '../../local/eventSourceMapping/event.ts';
import { toPipelineRecord } from '../../shared/events/pipelineRecord.ts';
import { encodeRecord } from '../../shared/events/recordCodec.ts';
import { anEvent } from './events.ts';

/** The constant part of every record: the same values the local event source mapping uses. */
const SOURCE = {
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/kinesis-pipeline-test-events',
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::000000000000:role/archive',
};

/** A record as ingest writes it: a valid event completed with the ingest fields. */
export function aPipelineRecordBytes(overrides: Record<string, unknown> = {}): Uint8Array {
  const record = toPipelineRecord(anEvent(overrides) as never, {
    receivedAt: '2026-11-25T10:00:00.000Z',
    ingestRequestId: 'req-test',
  });
  return encodeRecord(record);
}

export interface RecordOptions {
  /** The record's bytes; default a valid pipeline record. */
  data?: Uint8Array | string;
  shardId?: string;
  sequenceNumber: string;
  partitionKey?: string;
  /** Approximate arrival time; default 2026-11-25T10:15:00Z. */
  arrival?: Date;
}

/**
 * A Kinesis record exactly as Lambda puts it in `event.Records` (built by the local event source
 * mapping's own converter): base64 data, arrival in epoch seconds, eventID `<shardId>:<sequence>`.
 *
 * @example
 * aKinesisRecord({ sequenceNumber: '49600000000000000000000000000000000000000000000000000001' });
 */
export function aKinesisRecord(options: RecordOptions): KinesisStreamRecord {
  const data = typeof options.data === 'string' ? Buffer.from(options.data, 'utf8') : options.data;
  const record = toShardRecord(
    {
      SequenceNumber: options.sequenceNumber,
      PartitionKey: options.partitionKey ?? 'user-1',
      Data: data ?? aPipelineRecordBytes(),
      ApproximateArrivalTimestamp: options.arrival ?? new Date('2026-11-25T10:15:00Z'),
    },
    options.shardId ?? 'shardId-000000000000',
    SOURCE,
  );
  return lambdaRecord(record);
}

/** Sequence numbers as Kinesis hands them out: long decimal strings, increasing. */
export const sequence = (n: number) => `4960000000000000000000000000000000000000000000${String(n).padStart(10, '0')}`;

/** A batch of one shard, records in order, one second apart from `arrival`. */
export function aKinesisBatch(
  items: ReadonlyArray<{ data?: Uint8Array | string }>,
  options: { shardId?: string; firstSequence?: number; arrival?: Date } = {},
): KinesisStreamEvent {
  const start = options.arrival?.getTime() ?? Date.parse('2026-11-25T10:15:00Z');
  const first = options.firstSequence ?? 1;
  return {
    Records: items.map((item, index) =>
      aKinesisRecord({
        ...item,
        shardId: options.shardId ?? 'shardId-000000000000',
        sequenceNumber: sequence(first + index),
        arrival: new Date(start + index * 1000),
      }),
    ),
  };
}
