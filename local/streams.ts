import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { pollUntil } from './emulators/poll.ts';

/** Creates a stream and resolves once it is ACTIVE (kinesis-local, like AWS, creates asynchronously). */
export async function createStreamAndWait(
  client: KinesisClient,
  streamName: string,
  shardCount: number,
): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  await pollUntil(
    async () => {
      const { StreamDescriptionSummary } = await client.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      );
      return StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
    },
    { what: `stream ${streamName} ACTIVE`, timeoutMs: 30_000 },
  );
}
