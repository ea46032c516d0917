import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ensureStream } from '../../local/app/provision.ts';
import { BY_HOUR_INDEX } from '../../shared/aggregates/aggregateItem.ts';
import { BY_STATE_INDEX } from '../../shared/alerts/alertItem.ts';

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

/** A string key attribute of a table or index. */
const stringKey = (hash: string, range?: string) => ({
  KeySchema: [
    { AttributeName: hash, KeyType: 'HASH' as const },
    ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : []),
  ],
});

/**
 * AggregatesTable as resources/tables.yml declares it: `pk` + `sk`, the `byHour` index (dynalite has
 * no TTL, so `expiresAt` is not switched on). The template tests check serverless.yml says the same.
 */
export async function createAggregatesTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', 'hour', 'window'].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      ...stringKey('pk', 'sk'),
      GlobalSecondaryIndexes: [
        { IndexName: BY_HOUR_INDEX, ...stringKey('hour', 'window'), Projection: { ProjectionType: 'ALL' } },
      ],
    }),
  );
}

/** AlertsTable as serverless.yml declares it: `alertKey`, the `byState` index. */
export async function createAlertsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['alertKey', 'state', 'changedAt'].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      ...stringKey('alertKey'),
      GlobalSecondaryIndexes: [
        { IndexName: BY_STATE_INDEX, ...stringKey('state', 'changedAt'), Projection: { ProjectionType: 'ALL' } },
      ],
    }),
  );
}
