// The rest of the operations through the AWS CLI (awsCli.test.ts has the life of a stream), one
// behaviour per test (Debian's CLI 2.9 has no subscribe-to-shard nor update-max-record-size: the SDK
// suites cover those), each on a stream of its own made through the SDK (cheaper than the CLI, which
// takes a second or so to start). Command reference: https://docs.aws.amazon.com/cli/latest/reference/kinesis/
import { DescribeStreamSummaryCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { AwsCliError, findAwsCli, useTestEngine } from '../../helpers/kinesisEngine.ts';
import {
  createActiveStream,
  listAllShards,
  registerActiveConsumer,
  text,
  uniqueName,
  waitForStream,
} from './streamFixtures.ts';

const awsCli = findAwsCli();
if (!awsCli) console.warn('kinesis awsCliOperations tests skipped: no `aws` binary (/usr/bin/aws or on PATH)');

interface CliRecord {
  Data: string;
  PartitionKey: string;
  SequenceNumber: string;
}

describe.skipIf(!awsCli)(`AWS CLI, one operation per test (${awsCli ?? 'absent'})`, () => {
  const kinesis = useTestEngine();

  const stream = async (shards = 1) => {
    const name = uniqueName('cli-op');
    const summary = await createActiveStream(kinesis.client, name, shards);
    return { name, arn: summary.StreamARN as string };
  };
  const records = async (iterator: string) =>
    ((await kinesis.aws(['get-records', '--shard-iterator', iterator])) as { Records: CliRecord[] }).Records;
  const iterator = async (name: string, type: string, extra: string[] = []) =>
    (
      (await kinesis.aws([
        'get-shard-iterator',
        '--stream-name',
        name,
        '--shard-id',
        'shardId-000000000000',
        '--shard-iterator-type',
        type,
        ...extra,
      ])) as { ShardIterator: string }
    ).ShardIterator;

  it('describe-stream lists the shards with their hash key ranges', async () => {
    const { name } = await stream(2);
    const { StreamDescription } = (await kinesis.aws(['describe-stream', '--stream-name', name])) as {
      StreamDescription: {
        StreamStatus: string;
        Shards: { ShardId: string; HashKeyRange: { StartingHashKey: string } }[];
      };
    };
    expect(StreamDescription.StreamStatus).toBe('ACTIVE');
    expect(StreamDescription.Shards.map((shard) => shard.HashKeyRange.StartingHashKey)).toEqual([
      '0',
      '170141183460469231731687303715884105728',
    ]);
  });

  it('put-records answers each entry in order with its sequence number', async () => {
    const { name } = await stream();
    const out = (await kinesis.aws([
      'put-records',
      '--stream-name',
      name,
      '--records',
      JSON.stringify([
        { Data: Buffer.from('one').toString('base64'), PartitionKey: 'a' },
        { Data: Buffer.from('two').toString('base64'), PartitionKey: 'b' },
      ]),
      '--cli-binary-format',
      'base64',
    ])) as { FailedRecordCount: number; Records: { SequenceNumber: string }[] };
    expect(out.FailedRecordCount).toBe(0);
    const [first, second] = out.Records.map((record) => BigInt(record.SequenceNumber));
    expect(second).toBeGreaterThan(first as bigint);
    const read = await records(await iterator(name, 'TRIM_HORIZON'));
    expect(read.map((record) => Buffer.from(record.Data, 'base64').toString())).toEqual(['one', 'two']);
  });

  it('get-shard-iterator AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP and LATEST start where they say', async () => {
    const { name } = await stream();
    const sequences: string[] = [];
    for (const data of ['a', 'b', 'c']) {
      const put = await kinesis.client.send(
        new PutRecordCommand({ StreamName: name, PartitionKey: 'k', Data: text(data) }),
      );
      sequences.push(put.SequenceNumber as string);
    }
    const payloads = (read: CliRecord[]) => read.map((record) => Buffer.from(record.Data, 'base64').toString());
    const at = ['--starting-sequence-number', sequences[1] as string];
    expect(payloads(await records(await iterator(name, 'AT_SEQUENCE_NUMBER', at)))).toEqual(['b', 'c']);
    expect(payloads(await records(await iterator(name, 'AFTER_SEQUENCE_NUMBER', at)))).toEqual(['c']);
    const past = String(Math.floor(Date.now() / 1000) - 3600);
    expect(payloads(await records(await iterator(name, 'AT_TIMESTAMP', ['--timestamp', past])))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(await records(await iterator(name, 'LATEST'))).toEqual([]);
  });

  it('tags: add-tags-to-stream, list-tags-for-stream, remove-tags-from-stream', async () => {
    const { name } = await stream();
    await kinesis.aws(['add-tags-to-stream', '--stream-name', name, '--tags', 'team=data,env=test']);
    await kinesis.aws(['remove-tags-from-stream', '--stream-name', name, '--tag-keys', 'env']);
    const { Tags } = (await kinesis.aws(['list-tags-for-stream', '--stream-name', name])) as {
      Tags: { Key: string; Value: string }[];
    };
    expect(Tags).toEqual([{ Key: 'team', Value: 'data' }]);
  });

  it('increase- and decrease-stream-retention-period change RetentionPeriodHours', async () => {
    const { name } = await stream();
    await kinesis.aws(['increase-stream-retention-period', '--stream-name', name, '--retention-period-hours', '48']);
    expect((await waitForStream(kinesis.client, name)).RetentionPeriodHours).toBe(48);
    await kinesis.aws(['decrease-stream-retention-period', '--stream-name', name, '--retention-period-hours', '24']);
    expect((await waitForStream(kinesis.client, name)).RetentionPeriodHours).toBe(24);
  });

  it('start- and stop-stream-encryption switch EncryptionType', async () => {
    const { name } = await stream();
    const key = ['--encryption-type', 'KMS', '--key-id', 'alias/aws/kinesis'];
    await kinesis.aws(['start-stream-encryption', '--stream-name', name, ...key]);
    expect((await waitForStream(kinesis.client, name)).EncryptionType).toBe('KMS');
    await kinesis.aws(['stop-stream-encryption', '--stream-name', name, ...key]);
    expect((await waitForStream(kinesis.client, name)).EncryptionType).toBe('NONE');
  });

  it('update-shard-count, split-shard and merge-shards reshard the stream', async () => {
    const { name } = await stream(1);
    await kinesis.aws([
      'update-shard-count',
      '--stream-name',
      name,
      '--target-shard-count',
      '2',
      '--scaling-type',
      'UNIFORM_SCALING',
    ]);
    expect((await waitForStream(kinesis.client, name)).OpenShardCount).toBe(2);
    const open = (await listAllShards(kinesis.client, name)).filter(
      (shard) => !shard.SequenceNumberRange?.EndingSequenceNumber,
    );
    const [left, right] = open.map((shard) => shard.ShardId as string);
    await kinesis.aws([
      'merge-shards',
      '--stream-name',
      name,
      '--shard-to-merge',
      left as string,
      '--adjacent-shard-to-merge',
      right as string,
    ]);
    expect((await waitForStream(kinesis.client, name)).OpenShardCount).toBe(1);
    const merged = (await listAllShards(kinesis.client, name)).find(
      (shard) => !shard.SequenceNumberRange?.EndingSequenceNumber,
    );
    await kinesis.aws([
      'split-shard',
      '--stream-name',
      name,
      '--shard-to-split',
      merged?.ShardId as string,
      '--new-starting-hash-key',
      '100',
    ]);
    expect((await waitForStream(kinesis.client, name)).OpenShardCount).toBe(2);
  });

  it('update-stream-mode switches the stream to ON_DEMAND', async () => {
    const { name, arn } = await stream();
    await kinesis.aws(['update-stream-mode', '--stream-arn', arn, '--stream-mode-details', 'StreamMode=ON_DEMAND']);
    const summary = await waitForStream(kinesis.client, name);
    expect(summary.StreamModeDetails?.StreamMode).toBe('ON_DEMAND');
  });

  it('describe-stream-consumer finds a consumer by stream ARN and name', async () => {
    const { arn } = await stream();
    const consumer = await registerActiveConsumer(kinesis.client, arn, 'cli-described');
    const { ConsumerDescription } = (await kinesis.aws([
      'describe-stream-consumer',
      '--stream-arn',
      arn,
      '--consumer-name',
      'cli-described',
    ])) as { ConsumerDescription: { ConsumerARN: string; ConsumerStatus: string } };
    expect(ConsumerDescription).toMatchObject({ ConsumerARN: consumer.ConsumerARN, ConsumerStatus: 'ACTIVE' });
  });

  it('enable- and disable-enhanced-monitoring answer the shard-level metrics before and after', async () => {
    const { name } = await stream();
    const metrics = ['--shard-level-metrics', 'IncomingBytes', 'OutgoingRecords'];
    const enabled = (await kinesis.aws(['enable-enhanced-monitoring', '--stream-name', name, ...metrics])) as {
      CurrentShardLevelMetrics: string[];
      DesiredShardLevelMetrics: string[];
    };
    expect(enabled.CurrentShardLevelMetrics).toEqual([]);
    expect([...enabled.DesiredShardLevelMetrics].sort()).toEqual(['IncomingBytes', 'OutgoingRecords']);
    await waitForStream(kinesis.client, name);
    const disabled = (await kinesis.aws(['disable-enhanced-monitoring', '--stream-name', name, ...metrics])) as {
      DesiredShardLevelMetrics: string[];
    };
    expect(disabled.DesiredShardLevelMetrics).toEqual([]);
  });

  it('describe-limits reports the account shard limit and open shards', async () => {
    const limits = (await kinesis.aws(['describe-limits'])) as { ShardLimit: number; OpenShardCount: number };
    expect(limits.ShardLimit).toBeGreaterThan(0);
    expect(limits.OpenShardCount).toBeGreaterThanOrEqual(0);
  });

  it('an error reaches the CLI as the AWS error code, with a failing exit status', async () => {
    const missing = uniqueName('cli-missing');
    const error = await kinesis.aws(['describe-stream-summary', '--stream-name', missing]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCliError);
    expect((error as AwsCliError).code).not.toBe(0);
    expect((error as AwsCliError).stderr).toContain('ResourceNotFoundException');
    await expect(kinesis.client.send(new DescribeStreamSummaryCommand({ StreamName: missing }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
