import type * as K from '@aws-sdk/client-kinesis';
import type { StoredRecord } from '../storage/types.ts';
import type { ShardMeta, StreamMeta } from './model.ts';
import { recordSequenceNumber } from './sequenceNumbers.ts';

/**
 * The SDK `Record` of a stored record (GetRecords, SubscribeToShard).
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_Record.html
 */
export function recordView(stream: StreamMeta, shard: ShardMeta, stored: StoredRecord): K._Record {
  const record: K._Record = {
    SequenceNumber: recordSequenceNumber(shard.index, stream.createdMs, stored.position),
    ApproximateArrivalTimestamp: new Date(stored.arrivalMs),
    Data: stored.data,
    PartitionKey: stored.partitionKey,
  };
  if (stream.encryption) record.EncryptionType = 'KMS';
  return record;
}

/** Data + partition key bytes, what the read limits count. */
export function recordBytes(stored: StoredRecord): number {
  return stored.data.byteLength + Buffer.byteLength(stored.partitionKey, 'utf8');
}
