import { QueryCommand, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';

/** All the query API needs of the DynamoDB document client. */
export interface QueryReader {
  send(command: QueryCommand): Promise<QueryCommandOutput>;
}

/**
 * Every page of a DynamoDB Query, following LastEvaluatedKey; stops reading when the consumer
 * stops iterating.
 *
 * @example
 * for await (const items of queryPages<AggregateItem>(documents, { TableName, KeyConditionExpression, ... })) {}
 */
export async function* queryPages<T>(reader: QueryReader, input: QueryCommandInput): AsyncGenerator<T[]> {
  let start: QueryCommandInput['ExclusiveStartKey'];
  do {
    const output = await reader.send(new QueryCommand({ ...input, ...(start && { ExclusiveStartKey: start }) }));
    yield (output.Items ?? []) as T[];
    start = output.LastEvaluatedKey;
  } while (start);
}
