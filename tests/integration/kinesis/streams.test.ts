// Stream lifecycle and listing, checked against the AWS Kinesis API reference:
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DeleteStream.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStream.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeStreamSummary.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListStreams.html
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  ListStreamsCommand,
  ResourceInUseException,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { useTestEngine } from '../../helpers/kinesisEngine.ts';
import {
  createActiveStream,
  listAllShards,
  registerActiveConsumer,
  uniqueName,
  waitForStream,
  waitUntilGone,
} from './streamFixtures.ts';

const kinesis = useTestEngine();

describe('CreateStream', () => {
  it('creates a PROVISIONED stream with the requested shard count, CREATING then ACTIVE', async () => {
    const name = uniqueName('provisioned');
    await kinesis.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 3 }));
    const summary = await waitForStream(kinesis.client, name);
    expect(summary).toMatchObject({
      StreamName: name,
      StreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`,
      OpenShardCount: 3,
      RetentionPeriodHours: 24,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      EncryptionType: 'NONE',
    });
    expect(summary.StreamCreationTimestamp).toBeInstanceOf(Date);
  });

  it('gives an ON_DEMAND stream 4 shards covering the whole hash key space', async () => {
    const name = uniqueName('on-demand');
    await kinesis.client.send(
      new CreateStreamCommand({ StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    );
    const summary = await waitForStream(kinesis.client, name);
    expect(summary.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
    expect(summary.OpenShardCount).toBe(4);
    const ranges = (await listAllShards(kinesis.client, name)).map((shard) => shard.HashKeyRange);
    expect(ranges).toHaveLength(4);
    expect(BigInt(ranges[0]?.StartingHashKey ?? '-1')).toBe(0n);
    expect(BigInt(ranges[3]?.EndingHashKey ?? '-1')).toBe(2n ** 128n - 1n);
    for (let i = 1; i < ranges.length; i++) {
      expect(BigInt(ranges[i]?.StartingHashKey ?? '-1')).toBe(BigInt(ranges[i - 1]?.EndingHashKey ?? '-2') + 1n);
    }
  });

  it('refuses a name already in use with ResourceInUseException', async () => {
    const name = uniqueName('duplicate');
    await createActiveStream(kinesis.client, name, 1);
    await expect(kinesis.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }))).rejects.toThrow(
      ResourceInUseException,
    );
  });
});

describe('DeleteStream', () => {
  it('deletes a stream: DescribeStreamSummary then answers ResourceNotFoundException', async () => {
    const name = uniqueName('delete');
    await createActiveStream(kinesis.client, name, 1);
    await kinesis.client.send(new DeleteStreamCommand({ StreamName: name }));
    await waitUntilGone(
      () => kinesis.client.send(new DescribeStreamSummaryCommand({ StreamName: name })),
      `stream ${name} deleted`,
      'ResourceNotFoundException',
    );
  });

  it('refuses a stream with registered consumers unless EnforceConsumerDeletion, which removes them too', async () => {
    const name = uniqueName('delete-consumers');
    const { StreamARN } = await createActiveStream(kinesis.client, name, 1);
    const consumer = await registerActiveConsumer(kinesis.client, StreamARN ?? '', 'reader');
    await expect(kinesis.client.send(new DeleteStreamCommand({ StreamName: name }))).rejects.toThrow(
      ResourceInUseException,
    );
    await kinesis.client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
    await waitUntilGone(
      () => kinesis.client.send(new DescribeStreamSummaryCommand({ StreamName: name })),
      `stream ${name} deleted`,
      'ResourceNotFoundException',
    );
    await waitUntilGone(
      () => kinesis.client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumer.ConsumerARN })),
      'consumer deleted with its stream',
      'ResourceNotFoundException',
    );
  });
});

describe('DescribeStream', () => {
  it('pages shards with Limit and ExclusiveStartShardId, HasMoreShards false on the last page', async () => {
    const name = uniqueName('describe');
    await createActiveStream(kinesis.client, name, 5);
    const seen: string[] = [];
    const pages: boolean[] = [];
    let exclusiveStart: string | undefined;
    for (;;) {
      const { StreamDescription: page } = await kinesis.client.send(
        new DescribeStreamCommand({ StreamName: name, Limit: 2, ExclusiveStartShardId: exclusiveStart }),
      );
      const ids = (page?.Shards ?? []).map((shard) => shard.ShardId ?? '');
      expect(ids.length).toBeLessThanOrEqual(2);
      seen.push(...ids);
      pages.push(page?.HasMoreShards ?? false);
      if (!page?.HasMoreShards) break;
      exclusiveStart = ids.at(-1);
    }
    expect(pages).toEqual([true, true, false]);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((n) => `shardId-${String(n).padStart(12, '0')}`));
  });

  it('describes the stream summary with its consumer count and shard count', async () => {
    const name = uniqueName('summary');
    const { StreamARN } = await createActiveStream(kinesis.client, name, 2);
    await registerActiveConsumer(kinesis.client, StreamARN ?? '', 'one');
    const { StreamDescriptionSummary: summary } = await kinesis.client.send(
      new DescribeStreamSummaryCommand({ StreamARN }),
    );
    expect(summary).toMatchObject({ StreamName: name, OpenShardCount: 2, ConsumerCount: 1, StreamStatus: 'ACTIVE' });
  });
});

describe('ListStreams', () => {
  it('pages with Limit and NextToken until HasMoreStreams is false, listing every stream once', async () => {
    const names = ['a', 'b', 'c'].map((suffix) => uniqueName(`list-${suffix}`));
    for (const name of names) await createActiveStream(kinesis.client, name, 1);
    const listed: string[] = [];
    let page = await kinesis.client.send(new ListStreamsCommand({ Limit: 1 }));
    for (;;) {
      expect(page.StreamNames?.length ?? 0).toBeLessThanOrEqual(1);
      listed.push(...(page.StreamNames ?? []));
      expect(page.StreamSummaries?.map((summary) => summary.StreamName)).toEqual(page.StreamNames);
      if (!page.HasMoreStreams) break;
      expect(page.NextToken).toBeTruthy();
      page = await kinesis.client.send(new ListStreamsCommand({ Limit: 1, NextToken: page.NextToken }));
    }
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toEqual(expect.arrayContaining(names));
  });

  it('lists the streams after ExclusiveStartStreamName in name order', async () => {
    const prefix = uniqueName('order');
    for (const suffix of ['x1', 'x2']) await createActiveStream(kinesis.client, `${prefix}-${suffix}`, 1);
    const { StreamNames = [] } = await kinesis.client.send(
      new ListStreamsCommand({ ExclusiveStartStreamName: `${prefix}-x1`, Limit: 1 }),
    );
    expect(StreamNames).toEqual([`${prefix}-x2`]);
  });
});
