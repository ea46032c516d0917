import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENDING_LEASE_MS } from '../../functions/alert/updateAlert.ts';
import {
  asArray,
  type CfnResource,
  type CfnTemplate,
  getAttTarget,
  type OwnedStatement,
  type PackagedService,
  packageService,
  policyStatements,
  propertiesOf,
  resolveIf,
  resource,
  resourcesOfType,
} from './cloudformation.ts';

// Both packagings run in this one file, one after the other: serverless-esbuild builds in the
// shared .esbuild folder of the repository, so parallel runs would trample each other.

interface StreamProperties {
  StreamModeDetails: { StreamMode: string };
  ShardCount?: unknown;
  RetentionPeriodHours: number;
  MaxRecordSizeInKiB: number | string;
  StreamEncryption: { EncryptionType: string; KeyId: unknown };
}

interface FunctionProperties {
  FunctionName: string;
  Runtime: string;
  Architectures: string[];
  TracingConfig?: { Mode: string };
  Role: unknown;
  Environment: { Variables: Record<string, unknown> };
}

interface TableProperties {
  TableName: string;
  BillingMode: string;
  KeySchema: { AttributeName: string; KeyType: string }[];
  AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
  PointInTimeRecoverySpecification?: { PointInTimeRecoveryEnabled: boolean };
  SSESpecification?: { SSEEnabled: boolean };
}

/** Actions AWS does not scope to a resource, so `Resource: '*'` is the only possible form. */
const unscopableActions = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'cloudwatch:PutMetricData']);

const ingestFunction = 'IngestLambdaFunction';
const authorizerFunction = 'AuthorizerLambdaFunction';
const archiveFunction = 'ArchiveLambdaFunction';

/** The three stream consumers: same guarantees, each with its own resources. */
const consumers = [
  { name: 'archive', functionId: archiveFunction, prefix: 'Archive' },
  { name: 'aggregate', functionId: 'AggregateLambdaFunction', prefix: 'Aggregate' },
  { name: 'alert', functionId: 'AlertLambdaFunction', prefix: 'Alert' },
];

const actionsOf = ({ statement }: OwnedStatement): string[] => asArray(statement.Action);

const statementsOfRoleFor = (template: CfnTemplate, functionId: string): OwnedStatement[] => {
  const roleId = getAttTarget(propertiesOf<FunctionProperties>(template, functionId).Role);
  return policyStatements(template).filter(({ owner }) => owner === roleId);
};

const statementsForService = (statements: OwnedStatement[], service: string): OwnedStatement[] =>
  statements.filter((owned) => actionsOf(owned).some((action) => action.startsWith(`${service}:`)));

describe('packaged stack, stage ci with default params', () => {
  let packaged: PackagedService;
  let template: CfnTemplate;

  beforeAll(async () => {
    packaged = await packageService('ci');
    template = packaged.template;
  });

  afterAll(async () => {
    await packaged?.cleanup();
  });

  describe('stream', () => {
    it('encrypts records with the stack KMS key, which rotates', () => {
      const stream = propertiesOf<StreamProperties>(template, 'Stream');
      expect(resource(template, 'Stream').Type).toBe('AWS::Kinesis::Stream');
      expect(stream.StreamEncryption.EncryptionType).toBe('KMS');
      expect(getAttTarget(stream.StreamEncryption.KeyId)).toBe('StreamKey');
      expect(resource(template, 'StreamKey').Type).toBe('AWS::KMS::Key');
      expect(propertiesOf<{ EnableKeyRotation: boolean }>(template, 'StreamKey').EnableKeyRotation).toBe(true);
      expect(propertiesOf<{ TargetKeyId: unknown }>(template, 'StreamKeyAlias').TargetKeyId).toEqual({
        Ref: 'StreamKey',
      });
    });

    it('is ON_DEMAND without a shard count by default', () => {
      const stream = propertiesOf<StreamProperties>(template, 'Stream');
      expect(stream.StreamModeDetails.StreamMode).toBe('ON_DEMAND');
      expect(resolveIf(template, stream.ShardCount ?? { Ref: 'AWS::NoValue' })).toEqual({ Ref: 'AWS::NoValue' });
    });

    it('keeps records 24 hours and accepts records up to 1 MiB', () => {
      const stream = propertiesOf<StreamProperties>(template, 'Stream');
      expect(stream.RetentionPeriodHours).toBe(24);
      expect(Number(stream.MaxRecordSizeInKiB)).toBe(1024);
    });
  });

  describe('HTTP API', () => {
    it('routes POST /events to the ingest function', () => {
      const [routeId, route] = findRoute(template, 'POST /events');
      expect(routeId).toBeDefined();
      const integrationId = JSON.stringify(route?.Properties?.Target).match(/"Ref":"(\w+)"/)?.[1] ?? '';
      const integration = propertiesOf<{ IntegrationUri: unknown }>(template, integrationId);
      expect(getAttTarget(integration.IntegrationUri)).toBe(ingestFunction);
    });

    it('protects POST /events with the producer request authorizer', () => {
      const [, route] = findRoute(template, 'POST /events');
      expect(route?.Properties?.AuthorizationType).toBe('CUSTOM');
      const authorizerId = (route?.Properties?.AuthorizerId as { Ref?: string } | undefined)?.Ref ?? '';
      const authorizer = resource(template, authorizerId);
      expect(authorizer.Type).toBe('AWS::ApiGatewayV2::Authorizer');
      expect(authorizer.Properties).toMatchObject({
        AuthorizerType: 'REQUEST',
        EnableSimpleResponses: true,
        AuthorizerPayloadFormatVersion: '2.0',
        IdentitySource: ['$request.header.Authorization'],
        AuthorizerResultTtlInSeconds: 60,
      });
      expect(JSON.stringify(authorizer.Properties?.AuthorizerUri)).toContain(`"${authorizerFunction}"`);
    });

    it('throttles the default route and writes access logs', () => {
      const stage = propertiesOf<{
        DefaultRouteSettings: { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number };
        AccessLogSettings?: { DestinationArn: unknown; Format: string };
      }>(template, 'HttpApiStage');
      expect(stage.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThan(0);
      expect(stage.DefaultRouteSettings.ThrottlingBurstLimit).toBeGreaterThan(0);
      expect(getAttTarget(stage.AccessLogSettings?.DestinationArn)).toBe('HttpApiLogGroup');
      expect(stage.AccessLogSettings?.Format).toContain('$context.requestId');
    });
  });

  describe('functions', () => {
    it('runs every function on nodejs22.x, arm64, with active tracing', () => {
      const functions = resourcesOfType(template, 'AWS::Lambda::Function');
      expect(functions.map(([id]) => id).sort()).toEqual([
        'AggregateLambdaFunction',
        'AlertLambdaFunction',
        'AlertSweepLambdaFunction',
        archiveFunction,
        authorizerFunction,
        'DashboardLambdaFunction',
        ingestFunction,
        'QueryLambdaFunction',
      ]);
      for (const [id] of functions) {
        const properties = propertiesOf<FunctionProperties>(template, id);
        expect(properties.Runtime, id).toBe('nodejs22.x');
        expect(properties.Architectures, id).toEqual(['arm64']);
        expect(properties.TracingConfig?.Mode, id).toBe('Active');
      }
    });

    it('tells ingest where to write and which limits to enforce', () => {
      const variables = propertiesOf<FunctionProperties>(template, ingestFunction).Environment.Variables;
      expect(variables.STREAM_NAME).toEqual({ Ref: 'Stream' });
      expect(variables.IDEMPOTENCY_TABLE).toEqual({ Ref: 'IdempotencyTable' });
      expect(variables.MAX_BODY_BYTES).toBe('5242880');
      expect(variables.MAX_REQUEST_BYTES).toBe('5242880');
    });

    it('gives ingest the same record size limit the stream enforces', () => {
      const variables = propertiesOf<FunctionProperties>(template, ingestFunction).Environment.Variables;
      const { MaxRecordSizeInKiB } = propertiesOf<StreamProperties>(template, 'Stream');
      expect(Number(variables.MAX_RECORD_BYTES)).toBe(Number(MaxRecordSizeInKiB) * 1024);
    });

    it('tells the authorizer which table holds the producers', () => {
      const variables = propertiesOf<FunctionProperties>(template, authorizerFunction).Environment.Variables;
      expect(variables.PRODUCERS_TABLE).toEqual({ Ref: 'ProducersTable' });
    });
  });

  describe('tables', () => {
    it('keys producers by tokenHash, on demand, with PITR and encryption', () => {
      const table = propertiesOf<TableProperties>(template, 'ProducersTable');
      expect(table.TableName).toBe('kinesis-pipeline-ci-producers');
      expect(table.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.KeySchema).toEqual([{ AttributeName: 'tokenHash', KeyType: 'HASH' }]);
      expect(table.AttributeDefinitions).toEqual([{ AttributeName: 'tokenHash', AttributeType: 'S' }]);
      expect(table.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled).toBe(true);
      expect(table.SSESpecification?.SSEEnabled).toBe(true);
    });

    it('keys idempotency records by id and expires them through TTL on expiration', () => {
      const table = propertiesOf<TableProperties>(template, 'IdempotencyTable');
      expect(table.TableName).toBe('kinesis-pipeline-ci-idempotency');
      expect(table.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
      expect(table.AttributeDefinitions).toEqual([{ AttributeName: 'id', AttributeType: 'S' }]);
      expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
      expect(table.SSESpecification?.SSEEnabled).toBe(true);
    });
  });

  describe('IAM', () => {
    it('gives each function a role of its own, assumable by Lambda only', () => {
      const functions = resourcesOfType(template, 'AWS::Lambda::Function');
      const roleIds = functions.map(([id]) => getAttTarget(propertiesOf<FunctionProperties>(template, id).Role));
      expect(roleIds).not.toContain(undefined);
      expect(new Set(roleIds).size).toBe(functions.length);
      for (const roleId of roleIds) {
        const role = resource(template, roleId ?? '');
        expect(role.Type).toBe('AWS::IAM::Role');
        expect(JSON.stringify(role.Properties?.AssumeRolePolicyDocument)).toContain('"Service":"lambda.amazonaws.com"');
      }
    });

    it('attaches no managed policies, whose contents the template cannot show', () => {
      for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
        expect(role.Properties?.ManagedPolicyArns, id).toBeUndefined();
      }
    });

    it('grants no wildcard actions and no Not* escapes', () => {
      const statements = policyStatements(template);
      expect(statements.length).toBeGreaterThan(0);
      for (const owned of statements) {
        const where = `${owned.owner}: ${JSON.stringify(owned.statement)}`;
        expect(owned.statement.NotAction, where).toBeUndefined();
        expect(owned.statement.NotResource, where).toBeUndefined();
        for (const action of actionsOf(owned)) expect(action, where).not.toContain('*');
      }
    });

    it('uses a wildcard resource only for actions AWS cannot scope', () => {
      for (const owned of policyStatements(template)) {
        if (!asArray(owned.statement.Resource).includes('*')) continue;
        const where = `${owned.owner}: ${JSON.stringify(owned.statement)}`;
        for (const action of actionsOf(owned)) expect(unscopableActions.has(action), where).toBe(true);
      }
    });

    it('lets ingest put records on the pipeline stream and nowhere else', () => {
      const kinesis = statementsForService(statementsOfRoleFor(template, ingestFunction), 'kinesis');
      expect(kinesis.flatMap(actionsOf)).toEqual(['kinesis:PutRecords']);
      for (const owned of kinesis) {
        expect(asArray(owned.statement.Resource).map(getAttTarget)).toEqual(['Stream']);
      }
    });

    it('lets ingest only generate data keys, and only with the stream key', () => {
      const kms = statementsForService(statementsOfRoleFor(template, ingestFunction), 'kms');
      expect(kms.flatMap(actionsOf)).toEqual(['kms:GenerateDataKey']);
      for (const owned of kms) expect(asArray(owned.statement.Resource).map(getAttTarget)).toEqual(['StreamKey']);
    });

    it('limits ingest DynamoDB access to item operations on the idempotency table', () => {
      const dynamodb = statementsForService(statementsOfRoleFor(template, ingestFunction), 'dynamodb');
      expect(dynamodb.flatMap(actionsOf).sort()).toEqual([
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]);
      for (const owned of dynamodb) {
        expect(asArray(owned.statement.Resource).map(getAttTarget)).toEqual(['IdempotencyTable']);
      }
    });

    it('lets the authorizer only read items of the producers table', () => {
      const statements = statementsOfRoleFor(template, authorizerFunction);
      const dynamodb = statementsForService(statements, 'dynamodb');
      expect(dynamodb.flatMap(actionsOf)).toEqual(['dynamodb:GetItem']);
      for (const owned of dynamodb) {
        expect(asArray(owned.statement.Resource).map(getAttTarget)).toEqual(['ProducersTable']);
      }
      expect(statementsForService(statements, 'kinesis')).toEqual([]);
      expect(statementsForService(statements, 'kms')).toEqual([]);
    });

    it('lets each function write logs only to its own log group', () => {
      for (const [functionId] of resourcesOfType(template, 'AWS::Lambda::Function')) {
        const { FunctionName } = propertiesOf<FunctionProperties>(template, functionId);
        const logs = statementsForService(statementsOfRoleFor(template, functionId), 'logs');
        expect(logs.flatMap(actionsOf).sort(), functionId).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
        for (const owned of logs) {
          const resources = asArray(owned.statement.Resource).map(
            (value) => (value as { 'Fn::Sub'?: string } | null)?.['Fn::Sub'] ?? value,
          );
          expect(resources, functionId).toEqual([
            `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${FunctionName}:*`,
          ]);
        }
      }
    });
  });

  interface MappingProperties {
    FunctionName: unknown;
    EventSourceArn: unknown;
    StartingPosition: string;
    BatchSize: number;
    MaximumBatchingWindowInSeconds: number;
    FunctionResponseTypes: string[];
    BisectBatchOnFunctionError: boolean;
    MaximumRetryAttempts: number;
    MaximumRecordAgeInSeconds: number;
    ParallelizationFactor?: number;
    DestinationConfig?: { OnFailure?: { Destination?: unknown } };
  }
  const mappingOf = (functionId: string): MappingProperties => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, candidate]) => getAttTarget(candidate.Properties?.FunctionName) === functionId,
    );
    expect(mappings).toHaveLength(1);
    return (mappings[0]?.[1].Properties ?? {}) as unknown as MappingProperties;
  };
  /** `action ResourceName` for each action and resource of the statements. */
  const scopedActions = (statements: OwnedStatement[]): string[] =>
    statements
      .flatMap((owned) =>
        actionsOf(owned).flatMap((action) => asArray(owned.statement.Resource).map((r) => `${action} ${arnOf(r)}`)),
      )
      .sort();

  describe.each(consumers)('$name consumer: what every consumer has', ({ name, functionId, prefix }) => {
    const statements = () => statementsOfRoleFor(template, functionId);

    it('reads the stream through an enhanced fan-out consumer of its own', () => {
      const consumer = resource(template, `${prefix}StreamConsumer`);
      expect(consumer.Type).toBe('AWS::Kinesis::StreamConsumer');
      expect(getAttTarget(consumer.Properties?.StreamARN)).toBe('Stream');
      expect(consumer.Properties?.ConsumerName).toBe(`kinesis-pipeline-ci-${name}`);
      expect(mappingOf(functionId).EventSourceArn).toEqual({
        'Fn::GetAtt': [`${prefix}StreamConsumer`, 'ConsumerARN'],
      });
    });

    it('maps with partial batch responses, bisection, finite retries and age, from TRIM_HORIZON, in order', () => {
      const { MaximumRetryAttempts, MaximumRecordAgeInSeconds, ...settings } = mappingOf(functionId);
      expect(settings).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
      });
      expect(settings.ParallelizationFactor ?? 1).toBe(1);
      expect(MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
      expect(MaximumRetryAttempts).toBeLessThanOrEqual(10);
      const { RetentionPeriodHours } = propertiesOf<StreamProperties>(template, 'Stream');
      expect(MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);
      // Discarded (with payload, to the destination) before the stream trims the record unseen.
      expect(MaximumRecordAgeInSeconds).toBeLessThan(Number(RetentionPeriodHours) * 3600);
    });

    it('batches within the mapping limits and waits at most a minute', () => {
      const { BatchSize, MaximumBatchingWindowInSeconds } = mappingOf(functionId);
      expect(BatchSize).toBeGreaterThanOrEqual(1);
      expect(BatchSize).toBeLessThanOrEqual(10_000);
      expect(MaximumBatchingWindowInSeconds).toBeGreaterThan(0);
      expect(MaximumBatchingWindowInSeconds).toBeLessThanOrEqual(60);
    });

    it('sends discarded batches, payload included, to a failed-batches bucket of its own', () => {
      expect(mappingOf(functionId).DestinationConfig?.OnFailure?.Destination).toEqual({
        'Fn::GetAtt': [`${prefix}FailedBatchesBucket`, 'Arn'],
      });
    });

    it('lets the role read the stream and its own consumer, nothing else of Kinesis', () => {
      expect(scopedActions(statementsForService(statements(), 'kinesis'))).toEqual([
        'kinesis:DescribeStream Stream',
        `kinesis:DescribeStreamConsumer ${prefix}StreamConsumer`,
        'kinesis:DescribeStreamSummary Stream',
        'kinesis:GetRecords Stream',
        'kinesis:GetShardIterator Stream',
        'kinesis:ListShards Stream',
        `kinesis:SubscribeToShard ${prefix}StreamConsumer`,
      ]);
    });

    it('lets the role only decrypt with the stream key', () => {
      const onStreamKey = scopedActions(statementsForService(statements(), 'kms')).filter((entry) =>
        entry.endsWith(' StreamKey'),
      );
      expect(onStreamKey).toEqual(['kms:Decrypt StreamKey']);
    });

    it("lets the role write failure records to its own failed-batches bucket and no other consumer's", () => {
      const failureAccess = scopedActions(statementsForService(statements(), 's3')).filter((entry) =>
        entry.includes('FailedBatchesBucket'),
      );
      expect(failureAccess).toEqual([
        `s3:ListBucket ${prefix}FailedBatchesBucket`,
        `s3:PutObject ${prefix}FailedBatchesBucket/*`,
      ]);
    });

    it('alarms on IteratorAge at half the stream retention, in milliseconds, to the alert topic', () => {
      const alarm = propertiesOf<Record<string, unknown>>(template, `${prefix}IteratorAgeAlarm`);
      const { RetentionPeriodHours } = propertiesOf<StreamProperties>(template, 'Stream');
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: 'AlertTopic' }],
      });
      expect(alarm.Threshold).toBe((Number(RetentionPeriodHours) * 3600 * 1000) / 2);
    });

    it('alarms on function errors', () => {
      expect(propertiesOf(template, `${prefix}ErrorsAlarm`)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: 'AlertTopic' }],
      });
    });

    it('alarms on any object written to its failed-batches bucket, through the request metrics', () => {
      const bucketId = `${prefix}FailedBatchesBucket`;
      const bucket = propertiesOf<{ MetricsConfigurations: { Id: string; Prefix?: string }[] }>(template, bucketId);
      const [metricsConfiguration] = bucket.MetricsConfigurations;
      expect(metricsConfiguration?.Prefix).toBe('aws/lambda/');
      expect(propertiesOf(template, `${prefix}FailedBatchesWrittenAlarm`)).toMatchObject({
        Namespace: 'AWS/S3',
        MetricName: 'PutRequests',
        Dimensions: [
          { Name: 'BucketName', Value: { Ref: bucketId } },
          { Name: 'FilterId', Value: metricsConfiguration?.Id },
        ],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: 'AlertTopic' }],
      });
    });
  });

  it.each(['ArchiveBucket', 'ArchiveFailedBatchesBucket', 'AggregateFailedBatchesBucket', 'AlertFailedBatchesBucket'])(
    '%s is encrypted, private, TLS-only and expires',
    (bucketId) => {
      const bucket = propertiesOf<{
        BucketEncryption: {
          ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { SSEAlgorithm: string } }[];
        };
        PublicAccessBlockConfiguration: Record<string, boolean>;
        LifecycleConfiguration: {
          Rules: { Status: string; ExpirationInDays: number; Transitions: { TransitionInDays: number }[] }[];
        };
      }>(template, bucketId);
      const [encryption] = bucket.BucketEncryption.ServerSideEncryptionConfiguration;
      expect(['AES256', 'aws:kms']).toContain(encryption?.ServerSideEncryptionByDefault.SSEAlgorithm);
      expect(bucket.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const [rule] = bucket.LifecycleConfiguration.Rules;
      expect(rule?.Status).toBe('Enabled');
      expect(rule?.Transitions[0]?.TransitionInDays).toBeGreaterThanOrEqual(30);
      expect(rule?.ExpirationInDays).toBeGreaterThan(rule?.Transitions[0]?.TransitionInDays ?? 0);

      const policies = resourcesOfType(template, 'AWS::S3::BucketPolicy').filter(
        ([, policy]) => JSON.stringify(policy.Properties?.Bucket) === JSON.stringify({ Ref: bucketId }),
      );
      expect(policies).toHaveLength(1);
      const { Statement } = (policies[0]?.[1].Properties?.PolicyDocument ?? { Statement: [] }) as {
        Statement: Record<string, unknown>[];
      };
      expect(Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
      const deny = Statement.find((statement) => statement.Effect === 'Deny');
      expect(asArray(deny?.Resource).map(arnOf).sort()).toEqual([bucketId, `${bucketId}/*`]);
    },
  );

  describe('archive consumer', () => {
    it('cuts large batches for few, large objects', () => {
      expect(mappingOf(archiveFunction).BatchSize).toBeGreaterThanOrEqual(1000);
    });

    it('tells the function which bucket to write to', () => {
      const variables = propertiesOf<FunctionProperties>(template, archiveFunction).Environment.Variables;
      expect(variables.ARCHIVE_BUCKET).toEqual({ Ref: 'ArchiveBucket' });
    });

    it('lets the role put, list and delete objects only under events/ and errors/ of the archive, and use no table or topic', () => {
      const statements = statementsOfRoleFor(template, archiveFunction);
      expect(scopedActions(statementsForService(statements, 's3'))).toEqual([
        's3:DeleteObject ArchiveBucket/errors/*',
        's3:DeleteObject ArchiveBucket/events/*',
        's3:ListBucket ArchiveBucket',
        's3:ListBucket ArchiveFailedBatchesBucket',
        's3:PutObject ArchiveBucket/errors/*',
        's3:PutObject ArchiveBucket/events/*',
        's3:PutObject ArchiveFailedBatchesBucket/*',
      ]);
      const listArchive = statements.find(
        (owned) => actionsOf(owned).includes('s3:ListBucket') && arnOf(owned.statement.Resource) === 'ArchiveBucket',
      );
      expect((listArchive?.statement as { Condition?: unknown } | undefined)?.Condition).toEqual({
        StringLike: { 's3:prefix': ['events/*', 'errors/*'] },
      });
      expect(statementsForService(statements, 'dynamodb')).toEqual([]);
      expect(statementsForService(statements, 'sns')).toEqual([]);
    });
  });

  describe('aggregate consumer', () => {
    it('keeps aggregates by key and minute, with a byHour index and TTL', () => {
      const table = propertiesOf<TableProperties & { GlobalSecondaryIndexes: unknown[] }>(template, 'AggregatesTable');
      expect(table.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'window', KeyType: 'RANGE' },
      ]);
      expect(table.GlobalSecondaryIndexes).toEqual([
        {
          IndexName: 'byHour',
          KeySchema: [
            { AttributeName: 'hour', KeyType: 'HASH' },
            { AttributeName: 'window', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ]);
      expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
      expect(table.SSESpecification?.SSEEnabled).toBe(true);
    });

    it('tells the function its table and the TTL', () => {
      const variables = propertiesOf<FunctionProperties>(template, 'AggregateLambdaFunction').Environment.Variables;
      expect(variables.AGGREGATES_TABLE).toEqual({ Ref: 'AggregatesTable' });
      expect(Number(variables.AGGREGATE_TTL_DAYS)).toBeGreaterThanOrEqual(1);
    });

    it('lets the role read and put items of the aggregates table only, and publish nothing', () => {
      const statements = statementsOfRoleFor(template, 'AggregateLambdaFunction');
      expect(scopedActions(statementsForService(statements, 'dynamodb'))).toEqual([
        'dynamodb:BatchGetItem AggregatesTable',
        'dynamodb:GetItem AggregatesTable',
        'dynamodb:PutItem AggregatesTable',
      ]);
      expect(statementsForService(statements, 'sns')).toEqual([]);
    });
  });

  describe('alert consumer and sweep', () => {
    it('keeps alert state by rule and group, with a byState index', () => {
      const table = propertiesOf<TableProperties & { GlobalSecondaryIndexes: { IndexName: string }[] }>(
        template,
        'AlertsTable',
      );
      expect(table.KeySchema).toEqual([{ AttributeName: 'alertKey', KeyType: 'HASH' }]);
      expect(table.GlobalSecondaryIndexes.map((index) => index.IndexName)).toEqual(['byState']);
      expect(table.SSESpecification?.SSEEnabled).toBe(true);
    });

    it('publishes to a topic encrypted with its own rotating key, which CloudWatch alarms may use', () => {
      const topic = propertiesOf<{ KmsMasterKeyId: unknown }>(template, 'AlertTopic');
      expect(topic.KmsMasterKeyId).toEqual({ Ref: 'AlertTopicKey' });
      const key = propertiesOf<{ EnableKeyRotation: boolean; KeyPolicy: unknown }>(template, 'AlertTopicKey');
      expect(key.EnableKeyRotation).toBe(true);
      expect(JSON.stringify(key.KeyPolicy)).toContain('"Service":"cloudwatch.amazonaws.com"');
    });

    it.each(['AlertLambdaFunction', 'AlertSweepLambdaFunction'])('tells %s its table, topic and cooldown', (id) => {
      const variables = propertiesOf<FunctionProperties>(template, id).Environment.Variables;
      expect(variables.ALERTS_TABLE).toEqual({ Ref: 'AlertsTable' });
      expect(variables.ALERT_TOPIC_ARN).toEqual({ Ref: 'AlertTopic' });
      expect(Number(variables.ALERT_COOLDOWN_SECONDS)).toBeGreaterThanOrEqual(0);
    });

    it.each([
      ['AlertLambdaFunction', ['dynamodb:BatchGetItem AlertsTable']],
      ['AlertSweepLambdaFunction', []],
    ])('lets %s keep alert state and publish to the alert topic only', (id, batchReads) => {
      const statements = statementsOfRoleFor(template, id);
      expect(scopedActions(statementsForService(statements, 'dynamodb'))).toEqual([
        ...batchReads,
        'dynamodb:GetItem AlertsTable',
        'dynamodb:PutItem AlertsTable',
        'dynamodb:Query AlertsTable/index/byState',
      ]);
      expect(scopedActions(statementsForService(statements, 'sns'))).toEqual([
        `sns:Publish ${JSON.stringify({ Ref: 'AlertTopic' })}`,
      ]);
      const onTopicKey = scopedActions(statementsForService(statements, 'kms')).filter((entry) =>
        entry.endsWith(' AlertTopicKey'),
      );
      expect(onTopicKey).toEqual(['kms:Decrypt AlertTopicKey', 'kms:GenerateDataKey AlertTopicKey']);
    });

    it.each(['AlertLambdaFunction', 'AlertSweepLambdaFunction'])(
      '%s times out well within the lease of a pending notification',
      (id) => {
        // A writer publishes its pending notification within its own invocation; after the lease
        // another reader publishes it. A timeout at or over the lease would allow two publishers.
        const { Timeout } = propertiesOf<{ Timeout: number }>(template, id);
        expect(Timeout * 1000).toBeLessThan(PENDING_LEASE_MS);
      },
    );

    it('runs the sweep every minute, and it never reads the stream', () => {
      const rules = resourcesOfType(template, 'AWS::Events::Rule');
      expect(rules).toHaveLength(1);
      const properties = rules[0]?.[1].Properties as { ScheduleExpression: string; Targets: { Arn: unknown }[] };
      expect(properties.ScheduleExpression).toBe('rate(1 minute)');
      expect(properties.Targets.map((target) => getAttTarget(target.Arn))).toEqual(['AlertSweepLambdaFunction']);
      expect(statementsForService(statementsOfRoleFor(template, 'AlertSweepLambdaFunction'), 'kinesis')).toEqual([]);
    });
  });

  describe('query API and dashboard', () => {
    it.each(['GET /aggregates', 'GET /alerts'])('routes %s to the query function behind the authorizer', (key) => {
      const [, route] = findRoute(template, key);
      expect(route?.Properties?.AuthorizationType).toBe('CUSTOM');
      expect(route?.Properties?.AuthorizerId).toEqual({ Ref: 'HttpApiAuthorizerProducerAuthorizer' });
      const integrationId = JSON.stringify(route?.Properties?.Target).match(/"Ref":"(\w+)"/)?.[1] ?? '';
      const integration = propertiesOf<{ IntegrationUri: unknown }>(template, integrationId);
      expect(getAttTarget(integration.IntegrationUri)).toBe('QueryLambdaFunction');
    });

    it('serves the dashboard page at GET / without the authorizer (its API calls carry the token)', () => {
      const [, route] = findRoute(template, 'GET /');
      expect(route?.Properties?.AuthorizationType ?? 'NONE').toBe('NONE');
      const integrationId = JSON.stringify(route?.Properties?.Target).match(/"Ref":"(\w+)"/)?.[1] ?? '';
      const integration = propertiesOf<{ IntegrationUri: unknown }>(template, integrationId);
      expect(getAttTarget(integration.IntegrationUri)).toBe('DashboardLambdaFunction');
    });

    it('lets the query function only query the two tables and their indexes', () => {
      const statements = statementsOfRoleFor(template, 'QueryLambdaFunction');
      expect(scopedActions(statementsForService(statements, 'dynamodb'))).toEqual([
        'dynamodb:Query AggregatesTable',
        'dynamodb:Query AggregatesTable/index/byHour',
        'dynamodb:Query AlertsTable/index/byState',
      ]);
      for (const service of ['kinesis', 's3', 'sns', 'kms']) {
        expect(statementsForService(statements, service), service).toEqual([]);
      }
    });

    it('gives the dashboard function no data access at all', () => {
      const services = statementsOfRoleFor(template, 'DashboardLambdaFunction')
        .flatMap(actionsOf)
        .map((action) => action.split(':')[0]);
      expect([...new Set(services)].sort()).toEqual(['logs', 'xray']);
    });
  });

  it('exports the names other stacks and tools need', () => {
    expect(Object.keys(template.Outputs ?? {})).toEqual(
      expect.arrayContaining([
        'HttpApiUrl',
        'StreamName',
        'StreamArn',
        'ProducersTableName',
        'IdempotencyTableName',
        'ArchiveBucketName',
        'ArchiveFailedBatchesBucketName',
        'AggregateFailedBatchesBucketName',
        'AlertFailedBatchesBucketName',
        'AggregatesTableName',
        'AlertsTableName',
        'AlertTopicArn',
      ]),
    );
    expect(template.Outputs?.StreamName?.Value).toEqual({ Ref: 'Stream' });
    expect(template.Outputs?.StreamArn?.Value).toEqual({ 'Fn::GetAtt': ['Stream', 'Arn'] });
  });
});

describe('packaged stack with --param streamMode=PROVISIONED', () => {
  let packaged: PackagedService;
  let template: CfnTemplate;

  beforeAll(async () => {
    packaged = await packageService('ci', ['--param', 'streamMode=PROVISIONED', '--param', 'shardCount=3']);
    template = packaged.template;
  });

  afterAll(async () => {
    await packaged?.cleanup();
  });

  it('creates a PROVISIONED stream with the requested shard count', () => {
    const stream = propertiesOf<StreamProperties>(template, 'Stream');
    expect(stream.StreamModeDetails.StreamMode).toBe('PROVISIONED');
    expect(Number(resolveIf(template, stream.ShardCount))).toBe(3);
  });
});

describe('packaged stack with --param retentionHours=168', () => {
  let packaged: PackagedService;
  let template: CfnTemplate;

  beforeAll(async () => {
    packaged = await packageService('ci', ['--param', 'retentionHours=168']);
    template = packaged.template;
  });

  afterAll(async () => {
    await packaged?.cleanup();
  });

  it.each(consumers)('derives the $name record age and IteratorAge threshold from the retention', ({ prefix }) => {
    // CLI params arrive as strings, which CloudFormation accepts for integers.
    expect(Number(propertiesOf<StreamProperties>(template, 'Stream').RetentionPeriodHours)).toBe(168);
    const mapping = propertiesOf<{ MaximumRecordAgeInSeconds: number }>(template, `${prefix}EventSourceMapping`);
    expect(mapping.MaximumRecordAgeInSeconds).toBe(167 * 3600);
    expect(propertiesOf<{ Threshold: number }>(template, `${prefix}IteratorAgeAlarm`).Threshold).toBe(84 * 3600 * 1000);
  });
});

/**
 * A readable name for an ARN in a policy: the logical id of `Fn::GetAtt`, with the suffix of an
 * `Fn::Join ['', [Fn::GetAtt, suffix]]` appended (`ArchiveBucket/events/*`).
 */
function arnOf(value: unknown): string {
  const target = getAttTarget(value);
  if (target !== undefined) return target;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (join && join[0] === '') return join[1].map((part) => getAttTarget(part) ?? String(part)).join('');
  return JSON.stringify(value);
}

function findRoute(template: CfnTemplate, routeKey: string): [string | undefined, CfnResource | undefined] {
  const found = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').find(
    ([, route]) => route.Properties?.RouteKey === routeKey,
  );
  return found ?? [undefined, undefined];
}
