import type { PutRecordsCommand, PutRecordsCommandOutput, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import type { PutRecordsSender } from '../../shared/kinesis/producer.ts';

export interface SentEntry {
  call: number;
  partitionKey: string;
  data: string;
}

/**
 * A PutRecords transport that answers like Kinesis: per entry, a sequence number or an ErrorCode
 * chosen by `decide`. A throw from `decide` fails the whole call. Records every call and entry.
 */
export function fakeKinesis(
  decide: (entry: { partitionKey: string; data: string }, call: number) => PutRecordsResultEntry | 'ok' = () => 'ok',
) {
  const calls: SentEntry[][] = [];
  let sequence = 1000n;
  const sender: PutRecordsSender = {
    async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
      const call = calls.length + 1;
      const entries = (command.input.Records ?? []).map((r) => ({
        call,
        partitionKey: r.PartitionKey ?? '',
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('utf8'),
      }));
      calls.push(entries);
      const results = entries.map((entry) => {
        const decision = decide(entry, call);
        if (decision !== 'ok') return decision;
        sequence += 1n;
        return { SequenceNumber: sequence.toString(), ShardId: 'shardId-000000000000' };
      });
      return {
        FailedRecordCount: results.filter((r) => r.ErrorCode).length,
        Records: results,
        $metadata: {},
      };
    },
  };
  return { sender, calls };
}

export const throttled: PutRecordsResultEntry = {
  ErrorCode: 'ProvisionedThroughputExceededException',
  ErrorMessage: 'Rate exceeded for shard shardId-000000000000',
};
