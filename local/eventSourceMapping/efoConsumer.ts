import {
  DescribeStreamConsumerCommand,
  KinesisClient,
  type StartingPosition,
  SubscribeToShardCommand,
  type SubscribeToShardEvent,
} from '@aws-sdk/client-kinesis';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import type { StartPosition } from './recordSource.ts';

/** One open subscription: its events in order; it ends when the subscription does. */
export type SubscriptionEvents = AsyncIterable<SubscribeToShardEvent>;

/**
 * The enhanced fan-out consumer (AWS::Kinesis::StreamConsumer) one mapping reads through: its ARN
 * and its SubscribeToShard calls, made with the SDK's own `SubscribeToShardCommand` over cleartext
 * HTTP/2 (`NodeHttp2Handler` against the `http://` endpoint), as Lambda's EFO reader receives pushes.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html
 *
 * The ARN is looked up by name (DescribeStreamConsumer) rather than taken from the template: the
 * service stamps it with the consumer's creation time, so a re-registered consumer has a new one.
 * After a ResourceNotFoundException the next subscription looks it up again.
 *
 * @example
 * const consumer = new EfoConsumer({ kinesis, streamArn, consumerName: 'archive' });
 * const events = await consumer.subscribe('shardId-000000000000', { type: 'TRIM_HORIZON' }, signal);
 * for await (const event of events) console.log(event.Records?.length, event.ContinuationSequenceNumber);
 * consumer.close();
 */
export class EfoConsumer {
  private readonly client: KinesisClient;
  private readonly ownsClient: boolean;
  private arn: Promise<string> | undefined;

  constructor(
    private readonly options: {
      /** The mapping's HTTP/1.1 client, for DescribeStreamConsumer (and the defaults of `client`). */
      kinesis: KinesisClient;
      streamArn: string;
      consumerName: string;
      /** An HTTP/2 client for SubscribeToShard; default: one on `kinesis`'s endpoint, closed by close(). */
      client?: KinesisClient;
    },
  ) {
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? http2Client(options.kinesis);
  }

  /** Opens a subscription (after its initial response); rejects with the service's error (ResourceInUseException, ...). */
  async subscribe(shardId: string, from: StartPosition, signal: AbortSignal): Promise<SubscriptionEvents> {
    const consumerArn = await this.consumerArn();
    try {
      const output = await this.client.send(
        new SubscribeToShardCommand({
          ConsumerARN: consumerArn,
          ShardId: shardId,
          StartingPosition: startingPosition(from),
        }),
        { abortSignal: signal },
      );
      return events(output.EventStream ?? emptyStream());
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') this.arn = undefined;
      throw error;
    }
  }

  /** Closes the HTTP/2 client if this consumer made it; open subscriptions end through their signals. */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }

  private consumerArn(): Promise<string> {
    this.arn ??= this.describe().catch((error: unknown) => {
      this.arn = undefined;
      throw error;
    });
    return this.arn;
  }

  private async describe(): Promise<string> {
    const { streamArn, consumerName } = this.options;
    const { ConsumerDescription } = await this.options.kinesis.send(
      new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }),
    );
    const arn = ConsumerDescription?.ConsumerARN;
    if (arn === undefined) throw new Error(`DescribeStreamConsumer returned no ARN for ${consumerName}`);
    return arn;
  }
}

/**
 * A client like `kinesis` (endpoint, region, credentials) that speaks HTTP/2. No SDK retries: the
 * subscription reader has its own backoff, and a retried subscribe would hide ResourceInUseException.
 */
function http2Client(kinesis: KinesisClient): KinesisClient {
  const { endpoint, region, credentials } = kinesis.config;
  return new KinesisClient({
    region,
    credentials,
    ...(endpoint === undefined ? {} : { endpoint }),
    maxAttempts: 1,
    requestHandler: new NodeHttp2Handler(),
  });
}

function startingPosition(from: StartPosition): StartingPosition {
  switch (from.type) {
    case 'AT_TIMESTAMP':
      return { Type: from.type, Timestamp: from.timestamp };
    case 'AFTER_SEQUENCE_NUMBER':
      return { Type: from.type, SequenceNumber: from.sequenceNumber };
    default:
      return { Type: from.type };
  }
}

/** The SubscribeToShardEvents of the stream; exception events reach here as thrown errors (the SDK throws them). */
async function* events(stream: AsyncIterable<{ SubscribeToShardEvent?: SubscribeToShardEvent }>): SubscriptionEvents {
  for await (const member of stream) {
    if (member.SubscribeToShardEvent !== undefined) yield member.SubscribeToShardEvent;
  }
}

async function* emptyStream(): AsyncIterable<never> {}
