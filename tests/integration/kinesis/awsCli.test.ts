// The AWS CLI against the engine (Debian's awscli in CI), parsing its JSON output: the life of a stream
// (awsCliOperations.test.ts has the other operations). About ten calls:
// the CLI takes a second or so to start. Command reference:
// https://docs.aws.amazon.com/cli/latest/reference/kinesis/
import { DescribeStreamConsumerCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { pollUntil } from '../../../local/emulators.ts';
import { findAwsCli, type TestEngine, useTestEngine } from '../../helpers/kinesisEngine.ts';
import { uniqueName, waitUntilGone } from './streamFixtures.ts';

const awsCli = findAwsCli();
if (!awsCli) console.warn('kinesis awsCli tests skipped: no `aws` binary (/usr/bin/aws or on PATH)');

interface Shard {
  ShardId: string;
}

describe.skipIf(!awsCli)(`AWS CLI (${awsCli ?? 'absent'})`, () => {
  const kinesis = useTestEngine();

  it('creates a stream, writes and reads a record, manages a consumer and deletes the stream', async () => {
    const name = uniqueName('cli');
    await kinesis.aws(['create-stream', '--stream-name', name, '--shard-count', '2']);
    const summary = await pollUntil(
      async () => {
        const out = (await kinesis.aws(['describe-stream-summary', '--stream-name', name])) as {
          StreamDescriptionSummary: { StreamStatus: string; StreamARN: string; OpenShardCount: number };
        };
        return out.StreamDescriptionSummary.StreamStatus === 'ACTIVE' ? out.StreamDescriptionSummary : undefined;
      },
      { what: `stream ${name} ACTIVE through the CLI`, timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(summary.OpenShardCount).toBe(2);

    const put = (await kinesis.aws([
      'put-record',
      '--stream-name',
      name,
      '--partition-key',
      'cli-key',
      '--data',
      'hello from the cli',
    ])) as { ShardId: string; SequenceNumber: string };
    expect(put.SequenceNumber).toMatch(/^\d+$/);

    const { Shards } = (await kinesis.aws(['list-shards', '--stream-name', name])) as { Shards: Shard[] };
    expect(Shards.map((shard) => shard.ShardId)).toContain(put.ShardId);

    const { ShardIterator } = (await kinesis.aws([
      'get-shard-iterator',
      '--stream-name',
      name,
      '--shard-id',
      put.ShardId,
      '--shard-iterator-type',
      'TRIM_HORIZON',
    ])) as { ShardIterator: string };
    const { Records } = (await kinesis.aws(['get-records', '--shard-iterator', ShardIterator])) as {
      Records: { Data: string; PartitionKey: string; SequenceNumber: string }[];
    };
    expect(Records).toHaveLength(1);
    expect(Records[0]?.PartitionKey).toBe('cli-key');
    // Both CLI versions print blobs base64-encoded.
    expect(Buffer.from(Records[0]?.Data ?? '', 'base64').toString()).toBe('hello from the cli');

    const { Consumer } = (await kinesis.aws([
      'register-stream-consumer',
      '--stream-arn',
      summary.StreamARN,
      '--consumer-name',
      'cli-consumer',
    ])) as { Consumer: { ConsumerARN: string } };
    await waitForActiveConsumer(kinesis, Consumer.ConsumerARN);
    const { Consumers } = (await kinesis.aws(['list-stream-consumers', '--stream-arn', summary.StreamARN])) as {
      Consumers: { ConsumerName: string }[];
    };
    expect(Consumers.map((consumer) => consumer.ConsumerName)).toEqual(['cli-consumer']);
    await kinesis.aws(['deregister-stream-consumer', '--consumer-arn', Consumer.ConsumerARN]);

    await kinesis.aws(['delete-stream', '--stream-name', name, '--enforce-consumer-deletion']);
    // Deletion takes a moment (DELETING streams are still listed); wait through the SDK, cheaper than the CLI.
    await waitUntilGone(
      () => kinesis.client.send(new DescribeStreamSummaryCommand({ StreamName: name })),
      `stream ${name} deleted`,
      'ResourceNotFoundException',
    );
    const { StreamNames } = (await kinesis.aws(['list-streams'])) as { StreamNames: string[] };
    expect(StreamNames).not.toContain(name);
  });
});

/** Deregistering needs an ACTIVE consumer; waiting through the SDK saves CLI starts. */
async function waitForActiveConsumer(kinesis: TestEngine, consumerArn: string): Promise<void> {
  await pollUntil(
    async () => {
      const { ConsumerDescription } = await kinesis.client.send(
        new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }),
      );
      return ConsumerDescription?.ConsumerStatus === 'ACTIVE' ? true : undefined;
    },
    { what: 'consumer ACTIVE', timeoutMs: 15_000 },
  );
}
