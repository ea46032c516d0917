import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ensureStream } from '../../local/app/provision.ts';

/** A stream with `shardCount` shards, ACTIVE when this resolves (an existing one is reused). */
export async function createStream(client: KinesisClient, streamName: string, shardCount: number): Promise<void> {
  await ensureStream(client, { name: streamName, shardCount });
}

/**
 * A table with a single string hash key, as serverless.yml declares them. dynalite has no
 * UpdateTimeToLive, so TTL is not set here; Powertools idempotency checks `expiration` itself.
 */
export async function createTable(client: DynamoDBClient, tableName: string, hashKey: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: hashKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: hashKey, KeyType: 'HASH' }],
    }),
  );
}
