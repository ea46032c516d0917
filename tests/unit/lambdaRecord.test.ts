import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchEvent, type EventSource, lambdaRecord, toShardRecord } from '../../local/eventSourceMapping/event.ts';

const SOURCE: EventSource = {
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/events',
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::000000000000:role/archive',
};

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('the Lambda event record of a shard record', () => {
  it('has the fields and encodings of the event Lambda documents', () => {
    const record = toShardRecord(
      {
        SequenceNumber: '49590338271490256608559692538361571095921575989136588898',
        PartitionKey: '1',
        Data: Buffer.from('Hello, this is a test.'),
        ApproximateArrivalTimestamp: new Date(1545084650987),
      },
      'shardId-000000000006',
      SOURCE,
    );
    expect(lambdaRecord(record)).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: '1',
        sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
        data: 'SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==',
        approximateArrivalTimestamp: 1545084650.987,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: 'shardId-000000000006:49590338271490256608559692538361571095921575989136588898',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: SOURCE.roleArn,
      awsRegion: 'us-east-1',
      eventSourceARN: SOURCE.streamArn,
    });
  });

  it('encodes only the bytes a record views, not the whole buffer under them', () => {
    const slab = Buffer.from('xxxxHelloyyyy');
    const view = new Uint8Array(slab.buffer, slab.byteOffset + 4, 5);
    const record = toShardRecord(
      { SequenceNumber: '1', PartitionKey: 'k', Data: view },
      'shardId-000000000000',
      SOURCE,
    );
    expect(lambdaRecord(record).kinesis.data).toBe(Buffer.from('Hello').toString('base64'));
  });

  it('counts the bytes of its JSON exactly without building it, whatever the key, data, time and source', () => {
    const sources = fc.record({ streamArn: fc.string(), region: fc.string(), roleArn: fc.string({ unit: 'binary' }) });
    fc.assert(
      fc.property(
        sources,
        fc.string({ unit: 'binary' }),
        fc.uint8Array({ maxLength: 2_000 }),
        fc.bigInt({ min: 0n, max: 10n ** 60n }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.constantFrom('shardId-000000000000', 'shardId-000000001234'),
        (source, partitionKey, data, sequence, arrivalMs, shardId) => {
          const record = toShardRecord(
            {
              SequenceNumber: String(sequence),
              PartitionKey: partitionKey,
              Data: data,
              ApproximateArrivalTimestamp: new Date(arrivalMs),
            },
            shardId,
            source,
          );
          expect(record.eventBytes).toBe(jsonBytes(lambdaRecord(record)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('builds a batch event of the records in order', () => {
    const records = ['1', '2', '3'].map((sequenceNumber) =>
      toShardRecord(
        { SequenceNumber: sequenceNumber, PartitionKey: 'k', Data: Buffer.from(sequenceNumber) },
        's',
        SOURCE,
      ),
    );
    expect(batchEvent(records).Records.map((r) => r.kinesis.sequenceNumber)).toEqual(['1', '2', '3']);
  });
});
