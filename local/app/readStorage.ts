import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  KeySchemaElement,
  LocalSecondaryIndex,
  Projection,
  ProvisionedThroughput,
} from '@aws-sdk/client-dynamodb';
import { isRecord } from '../isRecord.ts';
import { asArray, asBoolean, asNumber, asOneOf, asString, asStringArray } from './cfn.ts';
import { TemplateError } from './errors.ts';
import type { LocalStack } from './localStack.ts';
import type { LocalBucket, LocalTable, LocalTopic } from './model.ts';

const BILLING_MODES = ['PROVISIONED', 'PAY_PER_REQUEST'] as const;
const PROJECTION_TYPES = ['ALL', 'KEYS_ONLY', 'INCLUDE'] as const;

/**
 * Every AWS::DynamoDB::Table as a CreateTable input. Only what shapes the data is kept (keys,
 * indexes, billing); SSE, point-in-time recovery, streams, tags, table class and deletion
 * protection have no local meaning and are dropped. TTL needs its own call (UpdateTimeToLive), so
 * it is returned beside the definition.
 *
 * @example
 * readTables(stack)[0]?.definition.KeySchema; // [{ AttributeName: 'id', KeyType: 'HASH' }]
 */
export function readTables(stack: LocalStack): LocalTable[] {
  return stack.resourcesOfType('AWS::DynamoDB::Table').map((logicalId) => {
    const at = (name: string) => stack.propertyPath(logicalId, name);
    const read = (name: string) => stack.property(logicalId, name);
    const name = stack.ref(logicalId);
    const billingMode = read('BillingMode');
    const throughput = read('ProvisionedThroughput');
    const globalIndexes = read('GlobalSecondaryIndexes');
    const localIndexes = read('LocalSecondaryIndexes');
    const definition: CreateTableCommandInput = {
      TableName: name,
      AttributeDefinitions: asArray(read('AttributeDefinitions'), at('AttributeDefinitions')).map((item, i) =>
        attributeDefinition(item, `${at('AttributeDefinitions')}[${i}]`),
      ),
      KeySchema: keySchema(read('KeySchema'), at('KeySchema')),
      // CloudFormation's default, like CreateTable's.
      BillingMode: billingMode === undefined ? 'PROVISIONED' : asOneOf(billingMode, BILLING_MODES, at('BillingMode')),
      ...(throughput === undefined
        ? {}
        : { ProvisionedThroughput: provisioned(throughput, at('ProvisionedThroughput')) }),
      ...(globalIndexes === undefined
        ? {}
        : { GlobalSecondaryIndexes: indexes(globalIndexes, at('GlobalSecondaryIndexes'), true) }),
      ...(localIndexes === undefined
        ? {}
        : { LocalSecondaryIndexes: indexes(localIndexes, at('LocalSecondaryIndexes')) }),
    };
    const ttl = timeToLiveAttribute(read('TimeToLiveSpecification'), at('TimeToLiveSpecification'));
    return { logicalId, name, definition, ...(ttl === undefined ? {} : { ttlAttribute: ttl }) };
  });
}

/**
 * Every AWS::S3::Bucket except the framework's deployment bucket (the one function code is
 * uploaded to), which the local runtime has no use for.
 *
 * @example
 * readBuckets(stack); // [{ logicalId: 'ArchiveBucket', name: 'kinesis-pipeline-local-archive' }]
 */
export function readBuckets(stack: LocalStack): LocalBucket[] {
  const codeBuckets = new Set(
    stack.resourcesOfType('AWS::Lambda::Function').flatMap((id) => {
      const code = stack.property(id, 'Code');
      return isRecord(code) && typeof code.S3Bucket === 'string' ? [code.S3Bucket] : [];
    }),
  );
  return stack
    .resourcesOfType('AWS::S3::Bucket')
    .map((logicalId) => ({ logicalId, name: stack.ref(logicalId) }))
    .filter((bucket) => !codeBuckets.has(bucket.name));
}

/**
 * Every AWS::SNS::Topic.
 *
 * @example
 * readTopics(stack); // [{ logicalId: 'AlertTopic', name: 'kinesis-pipeline-local-alerts', arn: 'arn:aws:sns:us-east-1:000000000000:kinesis-pipeline-local-alerts' }]
 */
export function readTopics(stack: LocalStack): LocalTopic[] {
  return stack
    .resourcesOfType('AWS::SNS::Topic')
    .map((logicalId) => ({ logicalId, name: stack.getAtt(logicalId, 'TopicName'), arn: stack.ref(logicalId) }));
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw new TemplateError(path, 'expected an object');
  return value;
}

function attributeDefinition(value: unknown, path: string): AttributeDefinition {
  const { AttributeName, AttributeType } = record(value, path);
  return {
    AttributeName: asString(AttributeName, `${path}.AttributeName`),
    AttributeType: asOneOf(AttributeType, ['S', 'N', 'B'] as const, `${path}.AttributeType`),
  };
}

function keySchema(value: unknown, path: string): KeySchemaElement[] {
  return asArray(value, path).map((item, i) => {
    const { AttributeName, KeyType } = record(item, `${path}[${i}]`);
    return {
      AttributeName: asString(AttributeName, `${path}[${i}].AttributeName`),
      KeyType: asOneOf(KeyType, ['HASH', 'RANGE'] as const, `${path}[${i}].KeyType`),
    };
  });
}

function provisioned(value: unknown, path: string): ProvisionedThroughput {
  const { ReadCapacityUnits, WriteCapacityUnits } = record(value, path);
  return {
    ReadCapacityUnits: asNumber(ReadCapacityUnits, `${path}.ReadCapacityUnits`),
    WriteCapacityUnits: asNumber(WriteCapacityUnits, `${path}.WriteCapacityUnits`),
  };
}

function projection(value: unknown, path: string): Projection {
  const { ProjectionType, NonKeyAttributes } = record(value, path);
  return {
    ...(ProjectionType === undefined
      ? {}
      : { ProjectionType: asOneOf(ProjectionType, PROJECTION_TYPES, `${path}.ProjectionType`) }),
    ...(NonKeyAttributes === undefined
      ? {}
      : { NonKeyAttributes: asStringArray(NonKeyAttributes, `${path}.NonKeyAttributes`) }),
  };
}

function indexes(value: unknown, path: string, global: true): GlobalSecondaryIndex[];
function indexes(value: unknown, path: string): LocalSecondaryIndex[];
function indexes(value: unknown, path: string, global = false): GlobalSecondaryIndex[] | LocalSecondaryIndex[] {
  return asArray(value, path).map((item, i) => {
    const at = `${path}[${i}]`;
    const index = record(item, at);
    // Contributor insights, on-demand and warm throughput are index settings with no local effect.
    return {
      IndexName: asString(index.IndexName, `${at}.IndexName`),
      KeySchema: keySchema(index.KeySchema, `${at}.KeySchema`),
      Projection: projection(index.Projection, `${at}.Projection`),
      ...(global && index.ProvisionedThroughput !== undefined
        ? { ProvisionedThroughput: provisioned(index.ProvisionedThroughput, `${at}.ProvisionedThroughput`) }
        : {}),
    };
  });
}

function timeToLiveAttribute(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  const { AttributeName, Enabled } = record(value, path);
  if (!asBoolean(Enabled, `${path}.Enabled`)) return undefined;
  return asString(AttributeName, `${path}.AttributeName`);
}
