// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub strings hold CloudFormation ${} placeholders on purpose.
import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '../../local/app/cfn.ts';
import { IntrinsicError, TemplateBuildError, TemplateError } from '../../local/app/errors.ts';
import { fileReferenceInputs } from '../../local/app/fileReferences.ts';
import { createLocalStack } from '../../local/app/localStack.ts';
import type { LocalApp } from '../../local/app/model.ts';
import { readLocalApp } from '../../local/app/readTemplate.ts';

const region = 'eu-west-1';
const accountId = '000000000000';
const stackName = 'kinesis-pipeline-test';

/** A small template with one resource of each kind the resolver names, for intrinsic cases. */
const resolverTemplate = (): CfnTemplate => ({
  Conditions: {
    IsProvisioned: { 'Fn::Equals': ['PROVISIONED', 'PROVISIONED'] },
    IsOnDemand: { 'Fn::Not': [{ Condition: 'IsProvisioned' }] },
    InEurope: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] },
    Both: { 'Fn::And': [{ Condition: 'IsProvisioned' }, { Condition: 'InEurope' }] },
    Either: { 'Fn::Or': [{ Condition: 'IsOnDemand' }, { 'Fn::Equals': [1, '1'] }] },
    Loop: { 'Fn::Not': [{ Condition: 'Loop' }] },
    InUs: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
  },
  Mappings: { Sizes: { Records: { Max: 1048576 } } },
  Resources: {
    Stream: { Type: 'AWS::Kinesis::Stream', Properties: { Name: { 'Fn::Sub': '${AWS::StackName}-events' } } },
    Consumer: {
      Type: 'AWS::Kinesis::StreamConsumer',
      Properties: { ConsumerName: 'archive', StreamARN: { 'Fn::GetAtt': ['Stream', 'Arn'] } },
    },
    Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'aggregates' } },
    Bucket: { Type: 'AWS::S3::Bucket' },
    Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'fn' } },
    Role: { Type: 'AWS::IAM::Role' },
    Key: { Type: 'AWS::KMS::Key' },
    Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'dlq' } },
    OnlyInUs: { Type: 'AWS::S3::Bucket', Condition: 'InUs' },
  },
});

const stackOf = () => createLocalStack(resolverTemplate(), { region, accountId, stackName });
const resolve = (value: unknown) => stackOf().resolve(value, 'Outputs.X.Value');
const streamArn = `arn:aws:kinesis:${region}:${accountId}:stream/${stackName}-events`;

describe('intrinsic functions', () => {
  it('resolves pseudo parameters', () => {
    expect(
      resolve(
        ['AWS::Region', 'AWS::AccountId', 'AWS::Partition', 'AWS::StackName', 'AWS::URLSuffix'].map((Ref) => ({ Ref })),
      ),
    ).toEqual([region, accountId, 'aws', stackName, 'amazonaws.com']);
  });

  it('resolves Ref to the physical name, or what the type returns instead', () => {
    expect(resolve({ Ref: 'Stream' })).toBe(`${stackName}-events`);
    expect(resolve({ Ref: 'Table' })).toBe('aggregates');
    expect(resolve({ Ref: 'Fn' })).toBe('fn');
    expect(resolve({ Ref: 'Consumer' })).toBe(`${streamArn}/consumer/archive:1735689600`);
    expect(resolve({ Ref: 'Topic' })).toBe(`arn:aws:sns:${region}:${accountId}:alerts`);
    expect(resolve({ Ref: 'Queue' })).toBe(`https://sqs.${region}.amazonaws.com/${accountId}/dlq`);
  });

  it('gives unnamed resources stable CloudFormation-like names', () => {
    const bucket = resolve({ Ref: 'Bucket' });
    expect(bucket).toMatch(/^kinesis-pipeline-test-bucket-[a-z0-9]{12}$/);
    expect(resolve({ Ref: 'Role' })).toMatch(/^kinesis-pipeline-test-Role-[A-Z0-9]{12}$/);
    expect(resolve({ Ref: 'Bucket' })).toBe(bucket);
  });

  it('resolves Fn::GetAtt to ARNs in the AWS formats, in both notations', () => {
    expect(resolve({ 'Fn::GetAtt': ['Stream', 'Arn'] })).toBe(streamArn);
    expect(resolve({ 'Fn::GetAtt': 'Consumer.ConsumerARN' })).toBe(`${streamArn}/consumer/archive:1735689600`);
    expect(resolve({ 'Fn::GetAtt': ['Table', 'Arn'] })).toBe(
      `arn:aws:dynamodb:${region}:${accountId}:table/aggregates`,
    );
    expect(resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toBe(
      `arn:aws:dynamodb:${region}:${accountId}:table/aggregates/stream/2025-01-01T00:00:00.000`,
    );
    expect(resolve({ 'Fn::GetAtt': ['Bucket', 'Arn'] })).toMatch(/^arn:aws:s3:::kinesis-pipeline-test-bucket-/);
    expect(resolve({ 'Fn::GetAtt': ['Fn', 'Arn'] })).toBe(`arn:aws:lambda:${region}:${accountId}:function:fn`);
    expect(resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toMatch(
      /^arn:aws:iam::000000000000:role\/kinesis-pipeline-test-Role-/,
    );
    expect(resolve({ 'Fn::GetAtt': ['Key', 'Arn'] })).toMatch(
      /^arn:aws:kms:eu-west-1:000000000000:key\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('substitutes Fn::Sub variables: pseudo, resource, attribute, own variables and ${!literal}', () => {
    expect(resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/${Fn}' })).toBe(
      `arn:aws:logs:${region}:${accountId}:log-group:/fn`,
    );
    expect(resolve({ 'Fn::Sub': '${Stream.Arn}|${!Literal}' })).toBe(`${streamArn}|\${Literal}`);
    expect(resolve({ 'Fn::Sub': ['${Name}-${Table}', { Name: { Ref: 'Fn' } }] })).toBe('fn-aggregates');
  });

  it('evaluates Fn::Join, Fn::Select, Fn::Split, Fn::FindInMap and Fn::Base64', () => {
    expect(resolve({ 'Fn::Join': [':', ['a', { Ref: 'Fn' }, 3]] })).toBe('a:fn:3');
    expect(resolve({ 'Fn::Select': ['1', { 'Fn::Split': ['/', { 'Fn::GetAtt': ['Stream', 'Arn'] }] }] })).toBe(
      `${stackName}-events`,
    );
    expect(resolve({ 'Fn::FindInMap': ['Sizes', 'Records', 'Max'] })).toBe(1048576);
    expect(resolve({ 'Fn::Base64': 'hi' })).toBe('aGk=');
  });

  it('evaluates conditions (Equals, Not, And, Or, Condition) and removes AWS::NoValue', () => {
    const pick = (condition: string) => resolve({ 'Fn::If': [condition, 'yes', 'no'] });
    expect(['IsProvisioned', 'IsOnDemand', 'InEurope', 'Both', 'Either'].map(pick)).toEqual([
      'yes',
      'no',
      'yes',
      'yes',
      'yes',
    ]);
    const noValue = { 'Fn::If': ['IsOnDemand', 1, { Ref: 'AWS::NoValue' }] };
    expect(resolve({ ShardCount: noValue, Mode: 'x' })).toEqual({ Mode: 'x' });
    expect(resolve(['a', noValue])).toEqual(['a']);
  });

  it('leaves out resources whose condition is false', () => {
    const stack = stackOf();
    expect(stack.resourcesOfType('AWS::S3::Bucket')).toEqual(['Bucket']);
    expect(() => stack.ref('OnlyInUs')).toThrow(/OnlyInUs is not created: its condition InUs is false/);
  });

  it('names the template path of an unsupported or unknown intrinsic', () => {
    const stack = stackOf();
    const getAzs = { Env: { Variables: { AZ: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] } } } };
    expect(() => stack.resolve(getAzs, 'Resources.Fn.Properties')).toThrow(IntrinsicError);
    expect(() => stack.resolve(getAzs, 'Resources.Fn.Properties')).toThrow(
      'Resources.Fn.Properties.Env.Variables.AZ.Fn::Select[1]: unsupported intrinsic function Fn::GetAZs',
    );
    expect(() => stack.resolve({ 'Fn::Equals': [1, 1] }, 'X')).toThrow('X: Fn::Equals is only valid in Conditions');
  });

  it('refuses Fn::ImportValue with the export name', () => {
    expect(() => resolve({ 'Fn::ImportValue': { 'Fn::Sub': '${AWS::StackName}-bus' } })).toThrow(
      /Fn::ImportValue kinesis-pipeline-test-bus: values exported by other stacks do not exist locally/,
    );
  });

  it('reports missing targets, unavailable attributes, bad indexes and circular conditions', () => {
    expect(() => resolve({ Ref: 'Nope' })).toThrow(TemplateError);
    expect(() => resolve({ Ref: 'Nope' })).toThrow('Outputs.X.Value.Ref: no resource or parameter named Nope');
    expect(() => resolve({ 'Fn::GetAtt': ['Stream', 'Bogus'] })).toThrow(
      /Stream\.Bogus \(AWS::Kinesis::Stream\) is not available/,
    );
    expect(() => resolve({ 'Fn::Select': [2, ['a', 'b']] })).toThrow(/index 2 is outside the list of 2/);
    expect(() => resolve({ 'Fn::If': ['Loop', 1, 2] })).toThrow(/circular dependency through condition Loop/);
    expect(() => resolve({ 'Fn::If': ['Missing', 1, 2] })).toThrow(/no condition named Missing/);
  });
});

const fnArn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const lambda = (name: string, properties: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: {
    FunctionName: `${stackName}-${name}`,
    Handler: `functions/${name}/handler.handler`,
    Code: { S3Bucket: { Ref: 'ServerlessDeploymentBucket' }, S3Key: `${name}.zip` },
    Role: fnArn(`${name}Role`),
    ...properties,
  },
});

/** Shaped like the framework's output: a stream, a consumer, mappings, a table, a bucket, an HTTP API. */
const appTemplate = (): CfnTemplate => ({
  Conditions: { IsProvisioned: { 'Fn::Equals': ['PROVISIONED', 'PROVISIONED'] } },
  Resources: {
    ServerlessDeploymentBucket: { Type: 'AWS::S3::Bucket' },
    Stream: {
      Type: 'AWS::Kinesis::Stream',
      Properties: {
        Name: `${stackName}-events`,
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        ShardCount: { 'Fn::If': ['IsProvisioned', '2', { Ref: 'AWS::NoValue' }] },
        RetentionPeriodHours: 48,
        MaxRecordSizeInKiB: 10240,
      },
    },
    OnDemandStream: { Type: 'AWS::Kinesis::Stream', Properties: { StreamModeDetails: { StreamMode: 'ON_DEMAND' } } },
    ArchiveConsumer: {
      Type: 'AWS::Kinesis::StreamConsumer',
      Properties: { ConsumerName: { 'Fn::Sub': '${AWS::StackName}-archive' }, StreamARN: fnArn('Stream') },
    },
    FailureBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `${stackName}-failures` } },
    AggregatesTable: {
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      Properties: {
        TableName: { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'aggregates']] },
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'window', AttributeType: 'N' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byWindow',
            KeySchema: [{ AttributeName: 'window', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['count'] },
            ContributorInsightsSpecification: { Enabled: true },
          },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        Tags: [{ Key: 'team', Value: 'data' }],
      },
    },
    archiveRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'archive-role' } },
    ingestRole: { Type: 'AWS::IAM::Role' },
    authorizerRole: { Type: 'AWS::IAM::Role' },
    ArchiveLambdaFunction: lambda('archive', {
      Timeout: 30,
      MemorySize: '1024',
      Environment: {
        Variables: {
          BUCKET: { Ref: 'FailureBucket' },
          TABLE_STREAM: { 'Fn::GetAtt': ['AggregatesTable', 'StreamArn'] },
          CONSUMER: { Ref: 'ArchiveConsumer' },
          MAX: 5,
        },
      },
    }),
    IngestLambdaFunction: lambda('ingest', { Environment: { Variables: { STREAM_NAME: { Ref: 'Stream' } } } }),
    AuthorizerLambdaFunction: lambda('authorizer'),
    ArchiveMapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: { Ref: 'ArchiveConsumer' },
        FunctionName: fnArn('ArchiveLambdaFunction'),
        StartingPosition: 'AT_TIMESTAMP',
        StartingPositionTimestamp: 1764000000,
        BatchSize: 500,
        MaximumBatchingWindowInSeconds: 5,
        ParallelizationFactor: 4,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 3600,
        TumblingWindowInSeconds: 60,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: { Filters: [{ Pattern: '{"data":{"type":["order_placed"]}}' }] },
        DestinationConfig: { OnFailure: { Destination: fnArn('FailureBucket') } },
        Enabled: 'true',
      },
    },
    PlainMapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: fnArn('Stream'),
        FunctionName: { Ref: 'IngestLambdaFunction' },
        StartingPosition: 'LATEST',
      },
    },
    HttpApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'api', ProtocolType: 'HTTP' } },
    HttpApiIntegrationIngest: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: fnArn('IngestLambdaFunction'),
        PayloadFormatVersion: '2.0',
      },
    },
    HttpApiAuthorizer: {
      Type: 'AWS::ApiGatewayV2::Authorizer',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        Name: 'producerAuthorizer',
        AuthorizerType: 'REQUEST',
        IdentitySource: ['$request.header.Authorization'],
        EnableSimpleResponses: true,
        AuthorizerPayloadFormatVersion: '2.0',
        AuthorizerResultTtlInSeconds: 60,
        AuthorizerUri: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':apigateway:',
              { Ref: 'AWS::Region' },
              ':lambda:path/2015-03-31/functions/',
              fnArn('AuthorizerLambdaFunction'),
              '/invocations',
            ],
          ],
        },
      },
    },
    HttpApiRoutePostEvents: {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        RouteKey: 'POST /events',
        Target: { 'Fn::Join': ['/', ['integrations', { Ref: 'HttpApiIntegrationIngest' }]] },
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: 'HttpApiAuthorizer' },
      },
    },
    HttpApiRouteGetHealth: {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        RouteKey: 'GET /health',
        Target: { 'Fn::Sub': 'integrations/${HttpApiIntegrationIngest}' },
      },
    },
  },
});

describe('readLocalApp', () => {
  const read = (template: CfnTemplate = appTemplate(), defaultShardCount?: number): LocalApp =>
    readLocalApp(template, { region, stage: 'test', ...(defaultShardCount ? { defaultShardCount } : {}) });

  it('reads functions with handlers, limits, role and an environment resolved to local names and ARNs', () => {
    const archive = read().functions.find((fn) => fn.logicalId === 'ArchiveLambdaFunction');
    expect(archive).toEqual({
      logicalId: 'ArchiveLambdaFunction',
      name: `${stackName}-archive`,
      arn: `arn:aws:lambda:${region}:${accountId}:function:${stackName}-archive`,
      handler: 'functions/archive/handler.handler',
      environment: {
        BUCKET: `${stackName}-failures`,
        TABLE_STREAM: `arn:aws:dynamodb:${region}:${accountId}:table/${stackName}-aggregates/stream/2025-01-01T00:00:00.000`,
        CONSUMER: `arn:aws:kinesis:${region}:${accountId}:stream/${stackName}-events/consumer/${stackName}-archive:1735689600`,
        MAX: '5',
      },
      timeoutSeconds: 30,
      memoryMb: 1024,
      roleArn: `arn:aws:iam::${accountId}:role/archive-role`,
    });
    const authorizer = read().functions.find((fn) => fn.logicalId === 'AuthorizerLambdaFunction');
    expect(authorizer).toMatchObject({ timeoutSeconds: 3, memoryMb: 128, environment: {} });
  });

  it('takes ShardCount of a provisioned stream and the default for an on-demand one, and the record size limit', () => {
    expect(read(appTemplate(), 6).streams).toEqual([
      {
        logicalId: 'Stream',
        name: `${stackName}-events`,
        arn: streamArn,
        shardCount: 2,
        retentionHours: 48,
        maxRecordSizeKiB: 10240,
      },
      expect.objectContaining({
        logicalId: 'OnDemandStream',
        shardCount: 6,
        retentionHours: 24,
        maxRecordSizeKiB: 1024,
      }),
    ]);
    expect(read().streams[1]?.shardCount).toBe(4);
    expect(read().consumers).toEqual([
      { logicalId: 'ArchiveConsumer', name: `${stackName}-archive`, streamLogicalId: 'Stream' },
    ]);
  });

  it('reads every event source mapping setting, through the consumer, with the failure destination', () => {
    expect(read().eventSourceMappings[0]).toEqual({
      logicalId: 'ArchiveMapping',
      functionLogicalId: 'ArchiveLambdaFunction',
      streamLogicalId: 'Stream',
      consumerLogicalId: 'ArchiveConsumer',
      batchSize: 500,
      maximumBatchingWindowInSeconds: 5,
      startingPosition: 'AT_TIMESTAMP',
      startingPositionTimestamp: 1764000000,
      parallelizationFactor: 4,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 3,
      maximumRecordAgeInSeconds: 3600,
      tumblingWindowInSeconds: 60,
      functionResponseTypes: ['ReportBatchItemFailures'],
      filterPatterns: ['{"data":{"type":["order_placed"]}}'],
      enabled: true,
      onFailureDestinationArn: `arn:aws:s3:::${stackName}-failures`,
    });
  });

  it('applies the Lambda defaults to a mapping that leaves settings out', () => {
    expect(read().eventSourceMappings[1]).toEqual({
      logicalId: 'PlainMapping',
      functionLogicalId: 'IngestLambdaFunction',
      streamLogicalId: 'Stream',
      batchSize: 100,
      maximumBatchingWindowInSeconds: 0,
      startingPosition: 'LATEST',
      parallelizationFactor: 1,
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      tumblingWindowInSeconds: 0,
      functionResponseTypes: [],
      filterPatterns: [],
      enabled: true,
    });
  });

  it('builds a CreateTable input without SSE, PITR, streams or tags, and returns the TTL attribute', () => {
    expect(read().tables).toEqual([
      {
        logicalId: 'AggregatesTable',
        name: `${stackName}-aggregates`,
        ttlAttribute: 'expiresAt',
        definition: {
          TableName: `${stackName}-aggregates`,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'window', AttributeType: 'N' },
          ],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'byWindow',
              KeySchema: [{ AttributeName: 'window', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['count'] },
            },
          ],
        },
      },
    ]);
  });

  it("lists the app's buckets but not the framework's deployment bucket", () => {
    expect(read().buckets).toEqual([{ logicalId: 'FailureBucket', name: `${stackName}-failures` }]);
  });

  it('reads routes through their integration to the function, with the Lambda authorizer', () => {
    expect(read().routes).toEqual([
      {
        routeKey: 'POST /events',
        functionLogicalId: 'IngestLambdaFunction',
        payloadFormatVersion: '2.0',
        authorizer: {
          name: 'producerAuthorizer',
          functionLogicalId: 'AuthorizerLambdaFunction',
          identitySource: ['$request.header.Authorization'],
          enableSimpleResponses: true,
          payloadFormatVersion: '2.0',
          resultTtlSeconds: 60,
        },
      },
      { routeKey: 'GET /health', functionLogicalId: 'IngestLambdaFunction', payloadFormatVersion: '2.0' },
    ]);
  });

  it('fails with the template path when a value cannot be read', () => {
    const template = appTemplate();
    const mapping = template.Resources.PlainMapping?.Properties ?? {};
    mapping.StartingPosition = 'NEWEST';
    expect(() => read(template)).toThrow(
      'Resources.PlainMapping.Properties.StartingPosition: expected one of TRIM_HORIZON, LATEST, AT_TIMESTAMP, got "NEWEST"',
    );
    const other = appTemplate();
    const variables = { X: { 'Fn::ImportValue': 'shared-bus' } };
    Object.assign(other.Resources.IngestLambdaFunction?.Properties ?? {}, { Environment: { Variables: variables } });
    expect(() => read(other)).toThrow(
      /^Resources\.IngestLambdaFunction\.Properties\.Environment\.Variables\.X\.Fn::ImportValue/,
    );
  });
});

describe('readLocalApp: topics and schedules', () => {
  const withResources = (resources: CfnTemplate['Resources']): CfnTemplate => ({
    Resources: {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'sweep', Handler: 'f/h.handler', Role: 'r' } },
      ...resources,
    },
  });
  const read = (template: CfnTemplate) => readLocalApp(template, { region, stage: 'test' });
  const rule = (ScheduleExpression: string, extra: Record<string, unknown> = {}) => ({
    Type: 'AWS::Events::Rule',
    Properties: { ScheduleExpression, Targets: [{ Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Id: 't' }], ...extra },
  });

  it('reads each topic with the ARN its Ref gives', () => {
    const app = read(withResources({ Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } } }));
    expect(app.topics).toEqual([
      { logicalId: 'Topic', name: 'alerts', arn: `arn:aws:sns:${region}:${accountId}:alerts` },
    ]);
  });

  it('reads rate schedules with their period and the functions they invoke', () => {
    const app = read(withResources({ Every5: rule('rate(5 minutes)'), Hourly: rule('rate(1 hour)') }));
    expect(app.schedules).toEqual([
      { logicalId: 'Every5', expression: 'rate(5 minutes)', periodMs: 300_000, functionLogicalIds: ['Fn'] },
      { logicalId: 'Hourly', expression: 'rate(1 hour)', periodMs: 3_600_000, functionLogicalIds: ['Fn'] },
    ]);
  });

  it('skips disabled rules, event-pattern rules and rules without a function target', () => {
    const app = read(
      withResources({
        Disabled: rule('rate(1 minute)', { State: 'DISABLED' }),
        Pattern: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['x'] } } },
        Elsewhere: rule('rate(1 minute)', { Targets: [{ Arn: 'arn:aws:sqs:eu-west-1:1:q', Id: 'q' }] }),
      }),
    );
    expect(app.schedules).toEqual([]);
  });

  it.each([
    ['cron(0 12 * * ? *)', 'only rate(...) schedules run locally'],
    ['rate(1 minutes)', 'singular for 1'],
    ['rate(2 hour)', 'singular for 1'],
    ['rate(0 minutes)', 'singular for 1'],
  ])('refuses %s with the template path', (expression, message) => {
    expect(() => read(withResources({ Bad: rule(expression) }))).toThrow(TemplateError);
    expect(() => read(withResources({ Bad: rule(expression) }))).toThrow(message);
  });
});

describe('fileReferenceInputs (what the template cache hashes besides serverless.yml)', () => {
  it('finds each ${file(...)} path, quoted or not, with or without a :key, relative to the service root', () => {
    const yml = [
      'a: ${file(./config/a.yml)}',
      "b: ${file('config/b.json'):limits}",
      'c: ${file(./config/a.yml):other}',
      'd: ${self:custom.x}',
    ].join('\n');
    expect(fileReferenceInputs(yml, 'serverless.yml')).toEqual(['config/a.yml', 'config/b.json']);
  });

  it('stands in for a path built from variables with its literal folder, the root included', () => {
    expect(fileReferenceInputs('x: ${file(./config/${opt:stage}.yml)}', 'serverless.yml')).toEqual(['config']);
    expect(fileReferenceInputs('x: ${file(./env.${opt:stage}.json)}', 'serverless.yml')).toEqual(['']);
  });

  it('refuses a file outside the service folder, naming the variable', () => {
    expect(() => fileReferenceInputs('x: ${file(../shared.yml)}', 'serverless.yml')).toThrow(TemplateBuildError);
    expect(() => fileReferenceInputs('x: ${file(/etc/config.yml)}', 'config/a.yml')).toThrow(
      /config\/a\.yml: \$\{file\(\/etc\/config\.yml\) names a file outside the service folder/,
    );
  });
});
