import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
      expect(functions.map(([id]) => id).sort()).toEqual([authorizerFunction, ingestFunction]);
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
      for (const functionId of [ingestFunction, authorizerFunction]) {
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

  it('exports the names other stacks and tools need', () => {
    expect(Object.keys(template.Outputs ?? {})).toEqual(
      expect.arrayContaining(['HttpApiUrl', 'StreamName', 'StreamArn', 'ProducersTableName', 'IdempotencyTableName']),
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

function findRoute(template: CfnTemplate, routeKey: string): [string | undefined, CfnResource | undefined] {
  const found = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').find(
    ([, route]) => route.Properties?.RouteKey === routeKey,
  );
  return found ?? [undefined, undefined];
}
