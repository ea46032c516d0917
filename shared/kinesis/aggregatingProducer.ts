import { AggregatedRecordBuilder } from './kplAggregation.ts';
import type { OutgoingRecord } from './packRecords.ts';
import type { Producer, PutOutcome } from './producer.ts';

/** The KPL's own default `AggregationMaxSize`, in bytes. */
export const DEFAULT_AGGREGATED_RECORD_BYTES = 51_200;

/**
 * A producer that packs records of the same partition key (in their order) into KPL-format
 * aggregated records of at most `maxRecordBytes` (data and partition key, as Kinesis counts a
 * record against its limit; shared/kinesis/kplAggregation.ts has the format), then
 * writes those with `producer`. Fewer, larger Kinesis records: a shard takes 1,000 records a
 * second, and on-demand streams bill every record as at least 1 KB.
 *
 * Every event still gets its own outcome: accepted with the Kinesis record's sequence number and
 * its sub-sequence number inside it, or the aggregated record's failure. A record alone in its
 * pack, one with an explicit hash key (an aggregated record has one route for all), or one too
 * large to share a record goes as it is, and its outcome has no sub-sequence number.
 *
 * @example
 * const producer = withAggregation(createProducer({ client, streamName }), { maxRecordBytes: 51_200 });
 * const { outcomes } = await producer.put(records); // outcomes[0].subSequenceNumber === 0
 */
export function withAggregation(producer: Producer, options: { maxRecordBytes: number }): Producer {
  return {
    async put(records, putOptions) {
      const { outgoing, packs } = packByPartitionKey(records, options.maxRecordBytes);
      const { outcomes, stats } = await producer.put(outgoing, putOptions);
      const unpacked: PutOutcome[] = [];
      for (const outcome of outcomes) {
        const indexes = packs.get(outcome.index);
        if (indexes === undefined) unpacked.push(outcome);
        else unpacked.push(...indexes.map((index, sub) => userOutcome(outcome, index, sub)));
      }
      unpacked.sort((a, b) => a.index - b.index);
      return { outcomes: unpacked, stats };
    },
  };
}

function userOutcome(outcome: PutOutcome, index: number, subSequenceNumber: number): PutOutcome {
  return outcome.status === 'accepted' ? { ...outcome, index, subSequenceNumber } : { ...outcome, index };
}

/**
 * Groups records by partition key and packs each group greedily, in order, into aggregated records
 * of at most `maxRecordBytes` (data and partition key). `outgoing` keeps each key's order; an aggregated record gets
 * an index after every caller's index, and `packs` maps it to the caller's indexes inside it, by
 * sub-sequence number.
 */
function packByPartitionKey(
  records: readonly OutgoingRecord[],
  maxRecordBytes: number,
): { outgoing: OutgoingRecord[]; packs: Map<number, number[]> } {
  const outgoing: OutgoingRecord[] = [];
  const packs = new Map<number, number[]>();
  let nextIndex = records.reduce((highest, record) => Math.max(highest, record.index), -1) + 1;
  const byKey = new Map<string, OutgoingRecord[]>();
  for (const record of records) {
    const group = byKey.get(record.partitionKey);
    if (group) group.push(record);
    else byKey.set(record.partitionKey, [record]);
  }
  for (const [partitionKey, group] of byKey) {
    const maxDataBytes = maxRecordBytes - Buffer.byteLength(partitionKey, 'utf8');
    let builder = new AggregatedRecordBuilder();
    let members: OutgoingRecord[] = [];
    const close = () => {
      if (members.length === 1) outgoing.push(members[0] as OutgoingRecord);
      else if (members.length > 1) {
        packs.set(
          nextIndex,
          members.map((member) => member.index),
        );
        outgoing.push({ index: nextIndex++, partitionKey, data: builder.encode() });
      }
      builder = new AggregatedRecordBuilder();
      members = [];
    };
    for (const record of group) {
      if (record.explicitHashKey !== undefined) {
        // Its own route: it goes as it is, in its place in the key's order.
        close();
        outgoing.push(record);
        continue;
      }
      const user = { partitionKey, data: record.data };
      if (builder.count > 0 && builder.sizeWith(user) > maxDataBytes) close();
      if (builder.sizeWith(user) > maxDataBytes) {
        // Too large to share a record: it goes alone, as it is, in its place in the key's order.
        outgoing.push(record);
        continue;
      }
      builder.add(user);
      members.push(record);
    }
    close();
  }
  return { outgoing, packs };
}
