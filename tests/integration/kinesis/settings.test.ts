// Stream settings, tags and account limits, checked against the AWS Kinesis API reference:
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateStreamMode.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_StartStreamEncryption.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_StopStreamEncryption.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_AddTagsToStream.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_TagResource.html
// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DescribeLimits.html
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DescribeLimitsCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  RemoveTagsFromStreamCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { useTestEngine } from '../../helpers/kinesisEngine.ts';
import { createActiveStream, readShard, text, uniqueName, waitForStream } from './streamFixtures.ts';

const kinesis = useTestEngine();

const byKey = (tags: { Key?: string; Value?: string }[] = []) =>
  Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value]));

describe('UpdateStreamMode', () => {
  it('switches a PROVISIONED stream to ON_DEMAND', async () => {
    const name = uniqueName('mode');
    const { StreamARN } = await createActiveStream(kinesis.client, name, 1);
    await kinesis.client.send(
      new UpdateStreamModeCommand({ StreamARN, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    );
    const summary = await waitForStream(kinesis.client, name);
    expect(summary.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
  });
});

describe('stream encryption', () => {
  it('StartStreamEncryption sets KMS with the key, shown on records read while it is on; Stop sets NONE', async () => {
    const name = uniqueName('kms');
    await createActiveStream(kinesis.client, name, 1);
    await kinesis.client.send(
      new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }),
    );
    const encrypted = await waitForStream(kinesis.client, name);
    expect(encrypted).toMatchObject({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    const put = await kinesis.client.send(
      new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: text('s') }),
    );
    expect(put.EncryptionType).toBe('KMS');
    const [record] = await readShard(kinesis.client, name, 'shardId-000000000000');
    expect(record?.EncryptionType).toBe('KMS');
    await kinesis.client.send(
      new StopStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }),
    );
    const plain = await waitForStream(kinesis.client, name);
    expect(plain.EncryptionType).toBe('NONE');
  });
});

describe('tags', () => {
  it('adds, lists and removes tags with the stream-name APIs', async () => {
    const name = uniqueName('tags');
    await createActiveStream(kinesis.client, name, 1);
    await kinesis.client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { team: 'data', env: 'test' } }));
    const listed = await kinesis.client.send(new ListTagsForStreamCommand({ StreamName: name }));
    expect(byKey(listed.Tags)).toEqual({ team: 'data', env: 'test' });
    expect(listed.HasMoreTags).toBe(false);
    await kinesis.client.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: ['env'] }));
    const after = await kinesis.client.send(new ListTagsForStreamCommand({ StreamName: name }));
    expect(byKey(after.Tags)).toEqual({ team: 'data' });
  });

  it('tags, lists and untags the stream by ARN with the resource APIs', async () => {
    const name = uniqueName('resource-tags');
    const { StreamARN } = await createActiveStream(kinesis.client, name, 1);
    await kinesis.client.send(new TagResourceCommand({ ResourceARN: StreamARN, Tags: { owner: 'me', tier: 'gold' } }));
    const listed = await kinesis.client.send(new ListTagsForResourceCommand({ ResourceARN: StreamARN }));
    expect(byKey(listed.Tags)).toEqual({ owner: 'me', tier: 'gold' });
    await kinesis.client.send(new UntagResourceCommand({ ResourceARN: StreamARN, TagKeys: ['tier'] }));
    const after = await kinesis.client.send(new ListTagsForResourceCommand({ ResourceARN: StreamARN }));
    expect(byKey(after.Tags)).toEqual({ owner: 'me' });
  });

  it('keeps one tag set per stream: tags added by name are listed by ARN', async () => {
    const name = uniqueName('one-tag-set');
    const { StreamARN } = await createActiveStream(kinesis.client, name, 1);
    await kinesis.client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { shared: 'yes' } }));
    const listed = await kinesis.client.send(new ListTagsForResourceCommand({ ResourceARN: StreamARN }));
    expect(byKey(listed.Tags)).toEqual({ shared: 'yes' });
  });

  it('applies tags given to CreateStream', async () => {
    const name = uniqueName('create-tags');
    await kinesis.client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1, Tags: { born: 'tagged' } }));
    await waitForStream(kinesis.client, name);
    const listed = await kinesis.client.send(new ListTagsForStreamCommand({ StreamName: name }));
    expect(byKey(listed.Tags)).toEqual({ born: 'tagged' });
  });
});

describe('DescribeLimits', () => {
  it('counts open shards and on-demand streams of the account', async () => {
    const before = await kinesis.client.send(new DescribeLimitsCommand({}));
    expect(before.ShardLimit).toBeGreaterThan(0);
    expect(before.OnDemandStreamCountLimit).toBeGreaterThan(0);
    await createActiveStream(kinesis.client, uniqueName('limits'), 3);
    const afterProvisioned = await kinesis.client.send(new DescribeLimitsCommand({}));
    expect(afterProvisioned.OpenShardCount).toBe((before.OpenShardCount ?? 0) + 3);
    const onDemand = uniqueName('limits-od');
    await kinesis.client.send(
      new CreateStreamCommand({ StreamName: onDemand, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    );
    await waitForStream(kinesis.client, onDemand);
    const afterOnDemand = await kinesis.client.send(new DescribeLimitsCommand({}));
    expect(afterOnDemand.OnDemandStreamCount).toBe((before.OnDemandStreamCount ?? 0) + 1);
  });
});
