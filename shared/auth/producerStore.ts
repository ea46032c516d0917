import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { generateToken, tokenHash } from './tokens.ts';

/** A producer as the producers table holds it (one item per token; the token itself is never stored). */
export interface ProducerRecord {
  tokenHash: string;
  producer: string;
  sources: string[];
  createdAt: string;
}

/** The DynamoDB calls the store makes; a `DynamoDBDocumentClient` fits. */
export interface DocumentSender {
  // biome-ignore lint/suspicious/noExplicitAny: the document client's send is overloaded per command
  send(command: any): Promise<any>;
}

/**
 * Producers and their tokens in DynamoDB, keyed by the SHA-256 of the token.
 * `list` and `revoke` scan: they are operator commands on a table of a few producers.
 *
 * @example
 * const store = producerStore(dynamoDbDocumentClient(), 'kinesis-pipeline-dev-producers');
 * const { token } = await store.create('web', ['web-frontend']);
 */
export function producerStore(client: DocumentSender, tableName: string) {
  async function scanAll(): Promise<ProducerRecord[]> {
    const items: ProducerRecord[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
      items.push(...((page.Items ?? []) as ProducerRecord[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  return {
    /** Creates a token for `producer` (a producer may hold several) and returns it: the only time it is shown. */
    async create(producer: string, sources: string[]): Promise<{ token: string; record: ProducerRecord }> {
      const token = generateToken();
      const record = { tokenHash: tokenHash(token), producer, sources, createdAt: new Date().toISOString() };
      await client.send(
        new PutCommand({ TableName: tableName, Item: record, ConditionExpression: 'attribute_not_exists(tokenHash)' }),
      );
      return { token, record };
    },

    /** The producer a token belongs to, or undefined. */
    async findByToken(token: string): Promise<ProducerRecord | undefined> {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: { tokenHash: tokenHash(token) } }),
      );
      return Item as ProducerRecord | undefined;
    },

    /** Every producer token, oldest first (hashes only). */
    async list(): Promise<ProducerRecord[]> {
      return (await scanAll()).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    /** Deletes every token of `producer`; returns how many there were. */
    async revoke(producer: string): Promise<number> {
      const tokens = (await scanAll()).filter((item) => item.producer === producer);
      for (const item of tokens) {
        await client.send(new DeleteCommand({ TableName: tableName, Key: { tokenHash: item.tokenHash } }));
      }
      return tokens.length;
    },
  };
}

export type ProducerStore = ReturnType<typeof producerStore>;
