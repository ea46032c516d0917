import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { RecordSource, ShardPage, StartPosition } from './recordSource.ts';

export type { ShardPage, StartPosition } from './recordSource.ts';

/** GetRecords returns at most this many records per call. */
export const MAX_GET_RECORDS = 10_000;

/**
 * Reads one shard with GetRecords, keeping the shard iterator between calls.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html
 *
 * Iterators expire 5 minutes after they are issued (ExpiredIteratorException), for instance while
 * a slow batch is retried; the reader then asks for a new one AFTER_SEQUENCE_NUMBER the last record
 * it read. That is the checkpoint when nothing is buffered, and never behind it otherwise: records
 * between the checkpoint and that point are already buffered, so re-reading them would deliver
 * them twice.
 *
 * @example
 * const reader = new ShardReader(kinesis, 'orders', 'shardId-000000000000', { type: 'TRIM_HORIZON' });
 * const { records, ended, caughtUp } = await reader.read(100);
 */
export class ShardReader implements RecordSource {
  readonly pushed = false;
  private iterator: string | undefined;
  private lastSequenceNumber: string | undefined;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    private readonly shardId: string,
    private readonly start: StartPosition,
  ) {}

  /** Nothing to release: an iterator is only a token. */
  async close(): Promise<void> {}

  async read(limit: number): Promise<ShardPage> {
    const boundedLimit = Math.max(1, Math.min(MAX_GET_RECORDS, limit));
    try {
      return await this.readOnce(boundedLimit);
    } catch (error) {
      // After any failure the iterator may be stale (the stream may have been re-created, or a
      // reshard closed the shard meanwhile): the next read asks for a new one.
      this.iterator = undefined;
      if ((error as Error).name !== 'ExpiredIteratorException') throw error;
      return this.readOnce(boundedLimit);
    }
  }

  private async readOnce(limit: number): Promise<ShardPage> {
    this.iterator ??= await this.newIterator();
    const page = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }));
    const records = page.Records ?? [];
    const last = records.at(-1)?.SequenceNumber;
    if (last !== undefined) this.lastSequenceNumber = last;
    this.iterator = page.NextShardIterator;
    const ended = page.NextShardIterator === undefined || page.NextShardIterator === null;
    // A page cut by the limit is not caught up, whatever MillisBehindLatest says (it is approximate).
    const caughtUp = ended || (records.length < limit && (page.MillisBehindLatest ?? 0) === 0);
    return { records, ended, caughtUp };
  }

  private async newIterator(): Promise<string> {
    const position: StartPosition =
      this.lastSequenceNumber === undefined
        ? this.start
        : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: this.lastSequenceNumber };
    const input: GetShardIteratorCommandInput = {
      StreamName: this.streamName,
      ShardId: this.shardId,
      ShardIteratorType: position.type,
      ...(position.type === 'AT_TIMESTAMP' ? { Timestamp: position.timestamp } : {}),
      ...(position.type === 'AFTER_SEQUENCE_NUMBER' ? { StartingSequenceNumber: position.sequenceNumber } : {}),
    };
    const { ShardIterator } = await this.kinesis.send(new GetShardIteratorCommand(input));
    if (!ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${this.shardId}`);
    return ShardIterator;
  }
}
