import { createHash } from 'node:crypto';

/**
 * Local physical names, ids and ARNs per resource type: what `Ref` and `Fn::GetAtt` return in
 * CloudFormation (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/), in the
 * exact AWS formats, so code that parses an ARN works locally as it does on AWS.
 */

/** One resource as the naming rules see it. */
export interface ResourceContext {
  logicalId: string;
  region: string;
  accountId: string;
  partition: string;
  urlSuffix: string;
  /** The physical name: the type's name property, or a generated `<stack>-<LogicalId>-<SUFFIX>`. */
  name(): string;
  /** A resolved property of the resource, as a string (e.g. a consumer's StreamARN). */
  stringProperty(name: string): string | undefined;
  /** A stable pseudo-random token derived from the stack and logical id. */
  token(length: number, alphabet?: string): string;
}

interface ResourceKind {
  nameProperty?: string;
  maxNameLength?: number;
  /** S3 bucket names must be lowercase; CloudFormation lowercases generated ones. */
  lowercaseName?: boolean;
  ref(resource: ResourceContext): string;
  attributes: Readonly<Record<string, (resource: ResourceContext) => string>>;
}

/**
 * Streams and tables created "now" would get a new timestamp on every start; a fixed one keeps
 * consumer and table-stream ARNs identical across restarts (2025-01-01T00:00:00Z).
 */
export const LOCAL_CREATION_TIME = new Date(Date.UTC(2025, 0, 1));
const creationSeconds = String(LOCAL_CREATION_TIME.getTime() / 1000);

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';

const arn = (r: ResourceContext, service: string, resource: string, scope: 'regional' | 'global' = 'regional') =>
  scope === 'global'
    ? `arn:${r.partition}:${service}::${r.accountId}:${resource}`
    : `arn:${r.partition}:${service}:${r.region}:${r.accountId}:${resource}`;

const streamArn = (r: ResourceContext) => arn(r, 'kinesis', `stream/${r.name()}`);
const consumerArn = (r: ResourceContext) => {
  const stream = r.stringProperty('StreamARN') ?? '';
  return `${stream}/consumer/${r.name()}:${creationSeconds}`;
};
const tableArn = (r: ResourceContext) => arn(r, 'dynamodb', `table/${r.name()}`);
const functionArn = (r: ResourceContext) => arn(r, 'lambda', `function:${r.name()}`);
const roleArn = (r: ResourceContext) => {
  const path = r.stringProperty('Path') ?? '/';
  return arn(r, 'iam', `role${path}${r.name()}`, 'global');
};
const topicArn = (r: ResourceContext) => arn(r, 'sns', r.name());
const queueUrl = (r: ResourceContext) => `https://sqs.${r.region}.${r.urlSuffix}/${r.accountId}/${r.name()}`;
const keyId = (r: ResourceContext) => {
  const hex = r.token(32, '0123456789abcdef');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
};
const apiId = (r: ResourceContext) => r.token(10, LOWER);
const childId = (r: ResourceContext) => r.token(7, LOWER);

const RESOURCE_KINDS: Readonly<Record<string, ResourceKind>> = Object.freeze({
  'AWS::Kinesis::Stream': {
    nameProperty: 'Name',
    maxNameLength: 128,
    ref: (r) => r.name(),
    attributes: { Arn: streamArn },
  },
  // Ref of a stream consumer is its ARN, not its name.
  'AWS::Kinesis::StreamConsumer': {
    nameProperty: 'ConsumerName',
    maxNameLength: 128,
    ref: consumerArn,
    attributes: {
      ConsumerARN: consumerArn,
      ConsumerName: (r) => r.name(),
      ConsumerStatus: () => 'ACTIVE',
      ConsumerCreationTimestamp: () => creationSeconds,
      StreamARN: (r) => r.stringProperty('StreamARN') ?? '',
    },
  },
  'AWS::DynamoDB::Table': {
    nameProperty: 'TableName',
    maxNameLength: 255,
    ref: (r) => r.name(),
    attributes: {
      Arn: tableArn,
      // The stream label is a timestamp without zone, as DynamoDB writes it.
      StreamArn: (r) => `${tableArn(r)}/stream/${LOCAL_CREATION_TIME.toISOString().slice(0, -1)}`,
    },
  },
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName',
    maxNameLength: 63,
    lowercaseName: true,
    ref: (r) => r.name(),
    attributes: {
      Arn: (r) => `arn:${r.partition}:s3:::${r.name()}`,
      DomainName: (r) => `${r.name()}.s3.${r.urlSuffix}`,
      RegionalDomainName: (r) => `${r.name()}.s3.${r.region}.${r.urlSuffix}`,
      DualStackDomainName: (r) => `${r.name()}.s3.dualstack.${r.region}.${r.urlSuffix}`,
      WebsiteURL: (r) => `http://${r.name()}.s3-website-${r.region}.${r.urlSuffix}`,
    },
  },
  'AWS::Lambda::Function': {
    nameProperty: 'FunctionName',
    maxNameLength: 64,
    ref: (r) => r.name(),
    attributes: { Arn: functionArn },
  },
  'AWS::Lambda::EventSourceMapping': {
    ref: keyId,
    attributes: { Id: keyId },
  },
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    maxNameLength: 64,
    ref: (r) => r.name(),
    attributes: { Arn: roleArn, RoleId: (r) => `AROA${r.token(17, UPPER)}` },
  },
  'AWS::KMS::Key': {
    ref: keyId,
    attributes: { Arn: (r) => arn(r, 'kms', `key/${keyId(r)}`), KeyId: keyId },
  },
  'AWS::KMS::Alias': { nameProperty: 'AliasName', ref: (r) => r.name(), attributes: {} },
  'AWS::SNS::Topic': {
    nameProperty: 'TopicName',
    maxNameLength: 256,
    ref: topicArn,
    attributes: { TopicArn: topicArn, TopicName: (r) => r.name() },
  },
  // Ref of a queue is its URL.
  'AWS::SQS::Queue': {
    nameProperty: 'QueueName',
    maxNameLength: 80,
    ref: queueUrl,
    attributes: { Arn: (r) => arn(r, 'sqs', r.name()), QueueName: (r) => r.name(), QueueUrl: queueUrl },
  },
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName',
    maxNameLength: 512,
    ref: (r) => r.name(),
    attributes: { Arn: (r) => arn(r, 'logs', `log-group:${r.name()}:*`) },
  },
  'AWS::ApiGatewayV2::Api': {
    ref: apiId,
    attributes: { ApiId: apiId, ApiEndpoint: (r) => `https://${apiId(r)}.execute-api.${r.region}.${r.urlSuffix}` },
  },
  'AWS::ApiGatewayV2::Integration': { ref: childId, attributes: { IntegrationId: childId } },
  'AWS::ApiGatewayV2::Authorizer': { ref: childId, attributes: { AuthorizerId: childId } },
  'AWS::ApiGatewayV2::Route': { ref: childId, attributes: { RouteId: childId } },
  'AWS::ApiGatewayV2::Stage': { nameProperty: 'StageName', ref: (r) => r.name(), attributes: {} },
});

/** Types without an entry still have a `Ref` (a generated physical id) but no attributes. */
const OTHER: ResourceKind = { ref: (r) => r.name(), attributes: {} };

export function resourceKind(type: string): ResourceKind {
  return RESOURCE_KINDS[type] ?? OTHER;
}

/**
 * CloudFormation's name for a resource without an explicit one: `<stack>-<LogicalId>-<SUFFIX>`,
 * shortened to the type's limit. The suffix is derived from the stack and logical id rather than
 * random, so the name is the same on every start and persisted local data is found again.
 *
 * @example
 * generatedName('kinesis-pipeline-local', 'ArchiveBucket', 'AWS::S3::Bucket');
 * // 'kinesis-pipeline-local-archivebucket-vdj4k1kawo5z'
 */
export function generatedName(stackName: string, logicalId: string, type: string): string {
  const kind = resourceKind(type);
  const suffix = stableToken(`${stackName}/${logicalId}`, 12, UPPER);
  const maxLength = kind.maxNameLength ?? 255;
  const name = `${`${stackName}-${logicalId}`.slice(0, maxLength - suffix.length - 1)}-${suffix}`;
  return kind.lowercaseName ? name.toLowerCase() : name;
}

/** `length` characters of `alphabet`, derived from SHA-256 of `seed`. */
export function stableToken(seed: string, length: number, alphabet = UPPER): string {
  const digest = createHash('sha256').update(seed).digest();
  return Array.from({ length }, (_, i) => alphabet[(digest[i % digest.length] ?? 0) % alphabet.length]).join('');
}
