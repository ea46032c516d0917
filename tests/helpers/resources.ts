import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export { createStreamAndWait as createStream } from '../../local/streams.ts';

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
