import {
  type _Record,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import { batchEvent, toShardRecord } from '../../local/eventSourceMapping/event.ts';
import { RecordsExpiredError } from './errors.ts';
import type { KinesisBatchInfo } from './failedBatches.ts';

export interface RereadBatch {
  /** The invocation event, shaped as the event source mapping builds it. */
  event: { Records: KinesisStreamRecord[] };
  /** Records the failure record announced (`batchSize`) and how many were found. */
  expected: number;
  found: number;
  /** Stream retention minus the age of the batch's first record: how long until it expires. */
  retentionLeftMs: number;
}

export interface RereadOptions {
  /** The consumer's execution role (`invokeIdentityArn` on each record). */
  roleArn: string;
  region: string;
  now?: number;
  /** Records per GetRecords call. Default 1,000. */
  pageSize?: number;
}

/**
 * Re-reads the records a metadata-only failure record (SQS or SNS destination) describes: from
 * `startSequenceNumber` (AT_SEQUENCE_NUMBER) through `endSequenceNumber` on its shard, rebuilt
 * into the event Lambda delivered (same record shape as the local event source mapping's).
 * Throws RecordsExpiredError when the first record is no longer on the stream (retention passed).
 *
 * @example
 * const { event, retentionLeftMs } = await rereadBatch(kinesis, record.KinesisBatchInfo, { roleArn, region });
 */
export async function rereadBatch(
  kinesis: Pick<KinesisClient, 'send'>,
  info: KinesisBatchInfo,
  options: RereadOptions,
): Promise<RereadBatch> {
  const streamName = streamNameOf(info.streamArn);
  const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const retentionHours = summary.StreamDescriptionSummary?.RetentionPeriodHours ?? 24;
  const retentionLeftMs = retentionLeft(
    retentionHours,
    info.approximateArrivalOfFirstRecord,
    options.now ?? Date.now(),
  );
  const records = await readRange(kinesis, streamName, info, options.pageSize ?? 1_000);
  if (records[0]?.SequenceNumber !== info.startSequenceNumber) {
    throw new RecordsExpiredError(
      `${info.shardId} ${info.startSequenceNumber}: no longer on the stream ${streamName} ` +
        `(retention ${retentionHours} h; the first record arrived ${info.approximateArrivalOfFirstRecord})`,
    );
  }
  const source = { streamArn: info.streamArn, region: options.region, roleArn: options.roleArn };
  const event = batchEvent(records.map((record) => toShardRecord(record, info.shardId, source)));
  return { event, expected: info.batchSize, found: records.length, retentionLeftMs };
}

/**
 * Retention hours minus the age of the first record, in ms (negative once it has expired).
 *
 * @example
 * retentionLeft(24, '2026-01-02T00:00:00Z', Date.parse('2026-01-02T20:00:00Z')); // 4 h in ms
 */
export function retentionLeft(retentionHours: number, firstArrival: string, now: number): number {
  return retentionHours * 3_600_000 - (now - Date.parse(firstArrival));
}

/** `arn:aws:kinesis:region:account:stream/<name>` (or a consumer ARN under it) → `<name>`. */
export function streamNameOf(streamArn: string): string {
  const resource = streamArn.split(':').slice(5).join(':');
  const name = resource.startsWith('stream/') ? resource.slice('stream/'.length).split('/')[0] : undefined;
  if (!name) throw new RecordsExpiredError(`${streamArn} is not a Kinesis stream ARN`);
  return name;
}

/** The shard's records from start through end, in order (fewer if the shard ends or has no more). */
async function readRange(
  kinesis: Pick<KinesisClient, 'send'>,
  streamName: string,
  info: KinesisBatchInfo,
  pageSize: number,
): Promise<_Record[]> {
  const end = BigInt(info.endSequenceNumber);
  const iterator = await kinesis
    .send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: info.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: info.startSequenceNumber,
      }),
    )
    .catch((error: unknown) => {
      throw new RecordsExpiredError(
        `${info.shardId} ${info.startSequenceNumber}: cannot read from it (${(error as Error).message})`,
        { cause: error },
      );
    });
  const records: _Record[] = [];
  let next = iterator.ShardIterator;
  while (next) {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: next, Limit: pageSize }));
    for (const record of page.Records ?? []) {
      if (BigInt(record.SequenceNumber ?? '0') > end) return records;
      records.push(record);
    }
    if (records.at(-1)?.SequenceNumber === info.endSequenceNumber) return records;
    // Caught up with the shard's tip: nothing more of the range will come.
    if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) return records;
    next = page.NextShardIterator;
  }
  return records;
}
