// The same engine port serves SDK clients on HTTP/1.1 (NodeHttpHandler), as the project's own
// clients configure them. Semantics per the AWS Kinesis API reference:
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kinesisClient, startTestEngine, type TestEngine } from '../../helpers/kinesisEngine.ts';
import { createActiveStream, decoded, text, uniqueName } from './streamFixtures.ts';

let kinesis: TestEngine;
let http1: KinesisClient;
beforeAll(async () => {
  kinesis = await startTestEngine();
  http1 = kinesisClient(kinesis.endpoint, { http1: true });
});
afterAll(async () => {
  http1?.destroy();
  await kinesis?.stop();
});

describe('SDK client over HTTP/1.1', () => {
  it('creates a stream and describes it', async () => {
    const name = uniqueName('h1-create');
    const summary = await createActiveStream(http1, name, 2);
    expect(summary).toMatchObject({ StreamName: name, OpenShardCount: 2 });
  });

  it('puts records and reads them back with binary data intact', async () => {
    const name = uniqueName('h1-roundtrip');
    await createActiveStream(http1, name, 1);
    const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
    const { FailedRecordCount } = await http1.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: [
          { PartitionKey: 'a', Data: text('first') },
          { PartitionKey: 'b', Data: binary },
        ],
      }),
    );
    expect(FailedRecordCount).toBe(0);
    const { ShardIterator } = await http1.send(
      new GetShardIteratorCommand({
        StreamName: name,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const { Records = [] } = await http1.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records[0] && decoded(Records[0])).toBe('first');
    expect(Buffer.from(Records[1]?.Data ?? []).equals(Buffer.from(binary))).toBe(true);
  });

  it('sees what an HTTP/2 client wrote', async () => {
    const name = uniqueName('h1-h2');
    await createActiveStream(kinesis.client, name, 3);
    const { Shards = [] } = await http1.send(new ListShardsCommand({ StreamName: name }));
    expect(Shards).toHaveLength(3);
  });

  it('maps errors to the SDK exception classes', async () => {
    await expect(http1.send(new DescribeStreamSummaryCommand({ StreamName: uniqueName('missing') }))).rejects.toThrow(
      ResourceNotFoundException,
    );
  });
});
