import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENDING_LEASE_MS } from '../../functions/alert/updateAlert.ts';
import {
  applyConditions,
  asArray,
  type CfnResource,
  type CfnTemplate,
  flattenArn,
  getAttTarget,
  type OwnedStatement,
  type PackagedService,
  packageService,
  policyStatements,
  propertiesOf,
  type ResourcePolicyStatement,
  resource,
  resourcePolicyStatements,
  resourcesOfType,
} from './cloudformation.ts';

// Every packaging runs in this one file, one after the other: serverless-esbuild builds in the
// shared .esbuild folder of the repository, so parallel runs would trample each other. The tests
// read each template as CloudFormation would create it (applyConditions: resources whose condition
// is false left out, Fn::If resolved), with the other intrinsics as written.

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

/**
 * Actions of identity policies that AWS does not scope to a resource, so `Resource: '*'` is the
 * only form IAM accepts; each with the reason. Any other action on `*` fails the IAM tests.
 * (Service Authorization Reference: these actions list no resource type.)
 */
const unscopableActions = new Map<string, string>([
  ['xray:PutTraceSegments', 'X-Ray has no resource-level permissions: trace segments are not resources'],
  ['xray:PutTelemetryRecords', 'X-Ray has no resource-level permissions: daemon telemetry is not a resource'],
  [
    'cloudwatch:PutMetricData',
    'metrics are not resources; the statement must narrow it with the cloudwatch:namespace condition',
  ],
]);

/**
 * Actions with a `*` that a KMS key policy may grant to an AWS service principal, each with the
 * reason. Key policies are resource policies: they say who may use one key, so their `Resource: '*'`
 * means "this key" and is the only form KMS accepts.
 */
const keyPolicyWildcardActions = new Map<string, string>([
  [
    'cloudwatch.amazonaws.com kms:GenerateDataKey*',
    'the key policy AWS documents for CloudWatch alarms publishing to an SSE-KMS topic; bound by aws:SourceAccount',
  ],
]);

/**
 * The account root in a key policy: the default statement that lets IAM policies of this account
 * grant use of the key. `kms:*` for it is what AWS's default key policy holds; without it the key
 * could only be managed through the key policy itself, and KMS refuses a policy that would lock the
 * deployer out. It grants nothing by itself: a role still needs an identity policy, which the IAM
 * tests keep to named actions on the named key.
 */
const accountRoot = { AWS: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root` } };

/** Routes anyone may call: the dashboard page, whose own API calls carry a producer token. */
const publicRoutes = ['GET /'];

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
    template = applyConditions(packaged.template);
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
      // ShardCount is `!If [IsProvisionedStream, ..., !Ref AWS::NoValue]`: CloudFormation drops it.
      expect(stream.ShardCount).toBeUndefined();
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
      expect(variables.MAX_BODY_BYTES).toBe('4500000');
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
      expect(
        resourcesOfType(template, 'AWS::IAM::Role')
          .map(([id]) => id)
          .sort(),
      ).toEqual([...(roleIds as string[])].sort());
      for (const roleId of roleIds) {
        const role = resource(template, roleId ?? '');
        expect(role.Type).toBe('AWS::IAM::Role');
        const trust = role.Properties?.AssumeRolePolicyDocument as { Statement: unknown };
        expect(trust.Statement, roleId).toEqual([
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ]);
      }
    });

    it('creates no IAM users, groups or access keys: nothing long-lived to leak', () => {
      for (const type of [
        'AWS::IAM::User',
        'AWS::IAM::Group',
        'AWS::IAM::AccessKey',
        'AWS::IAM::UserToGroupAddition',
      ]) {
        expect(resourcesOfType(template, type), type).toEqual([]);
      }
    });

    it('attaches no managed policies, whose contents the template cannot show', () => {
      for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
        expect(role.Properties?.ManagedPolicyArns, id).toBeUndefined();
        expect(role.Properties?.PermissionsBoundary, id).toBeUndefined();
      }
      // The one managed policy is the stack's own, for people to be given (resources/sql.yml): its
      // document is in the template (checked with every other identity policy below), and the
      // template attaches it to nobody.
      const managed = resourcesOfType(template, 'AWS::IAM::ManagedPolicy');
      expect(managed.map(([id]) => id)).toEqual(['SqlAnalystPolicy']);
      for (const [id, policy] of managed) {
        for (const property of ['Users', 'Groups', 'Roles']) expect(policy.Properties?.[property], id).toBeUndefined();
      }
    });

    it('reads the statements of every inline and standalone identity policy', () => {
      // policyStatements is what the wildcard tests iterate over: it must miss no policy.
      const owners = new Set(policyStatements(template).map(({ owner }) => owner));
      const holders = Object.entries(template.Resources)
        .filter(([, candidate]) =>
          candidate.Type === 'AWS::IAM::Role'
            ? asArray(candidate.Properties?.Policies as unknown[] | undefined).length > 0
            : ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(candidate.Type),
        )
        .map(([id]) => id);
      expect(holders.length).toBeGreaterThan(0);
      expect([...owners].sort()).toEqual(holders.sort());
    });

    it('grants no wildcard actions and no Not* escapes in any identity policy', () => {
      const statements = policyStatements(template);
      expect(statements.length).toBeGreaterThan(0);
      for (const owned of statements) {
        const where = `${owned.owner}: ${JSON.stringify(owned.statement)}`;
        expect(owned.statement.NotAction, where).toBeUndefined();
        expect(owned.statement.NotResource, where).toBeUndefined();
        expect(owned.statement.NotPrincipal, where).toBeUndefined();
        expect(actionsOf(owned).length, where).toBeGreaterThan(0);
        for (const action of actionsOf(owned)) expect(action, where).not.toContain('*');
      }
    });

    it('lets no function manage IAM, assume roles or pass them (no privilege escalation)', () => {
      for (const owned of policyStatements(template)) {
        const services = actionsOf(owned).map((action) => action.split(':')[0]?.toLowerCase());
        expect(services, owned.owner).not.toContain('iam');
        expect(services, owned.owner).not.toContain('sts');
      }
    });

    it('uses a wildcard resource only for the listed actions AWS cannot scope', () => {
      const wildcardUses = policyStatements(template).filter((owned) =>
        asArray(owned.statement.Resource).includes('*'),
      );
      // X-Ray tracing is on for every function, so the allow-list is exercised, not decorative.
      expect(wildcardUses.length).toBeGreaterThan(0);
      for (const owned of wildcardUses) {
        const where = `${owned.owner}: ${JSON.stringify(owned.statement)}`;
        expect(asArray(owned.statement.Resource), where).toEqual(['*']);
        for (const action of actionsOf(owned)) {
          expect(unscopableActions.has(action), `${action} is not in the allow-list; ${where}`).toBe(true);
          if (action === 'cloudwatch:PutMetricData') {
            expect(owned.statement.Condition?.StringEquals?.['cloudwatch:namespace'], where).toBeDefined();
          }
        }
      }
    });

    it('names every other resource, with a wildcard at most for the objects or streams under it', () => {
      for (const owned of policyStatements(template)) {
        const resources = asArray(owned.statement.Resource);
        expect(resources.length, owned.owner).toBeGreaterThan(0);
        if (resources.includes('*')) continue; // the allow-listed actions above
        for (const arn of resources.map(flattenArn)) {
          const where = `${owned.owner}: ${arn}`;
          // `<Bucket.Arn>/events/*`, `...:log-group:/aws/lambda/name:*`: a trailing wildcard under a named
          // resource. Not `arn:aws:s3:::*`, not a wildcard account or region, not `table/*`.
          if (arn.includes('*')) expect(arn, where).toMatch(/^[^*]*[^*:/][:/]\*$/);
          expect(arn, where).not.toMatch(/:s3:::\*|table\/\*|:function:\*|:stream\/\*/);
          expect(arn.includes('<') || arn.includes(`\${AWS::AccountId}`), `${where} names no resource`).toBe(true);
        }
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

  describe('resource policies: who else may use a key, bucket or topic', () => {
    const allows = (kind: ResourcePolicyStatement['kind']) =>
      resourcePolicyStatements(template).filter((owned) => owned.kind === kind && owned.statement.Effect === 'Allow');
    const whereOf = (owned: ResourcePolicyStatement) => `${owned.owner}: ${JSON.stringify(owned.statement)}`;
    const isAnyone = (principal: unknown) =>
      principal === '*' || asArray((principal as { AWS?: unknown } | undefined)?.AWS).includes('*');
    const boundToThisAccount = (owned: ResourcePolicyStatement) => {
      const conditions = Object.values(owned.statement.Condition ?? {});
      return conditions.some((condition) => 'aws:SourceAccount' in condition || 'aws:SourceArn' in condition);
    };

    it('reads the policy of every key, bucket policy and topic policy', () => {
      const owners = new Set(resourcePolicyStatements(template).map(({ owner }) => owner));
      for (const type of ['AWS::KMS::Key', 'AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy']) {
        const ids = resourcesOfType(template, type).map(([id]) => id);
        expect(ids.length, type).toBeGreaterThan(0);
        for (const id of ids) expect(owners.has(id), id).toBe(true);
      }
    });

    it('never allows anyone (`*` principal) and never uses NotPrincipal or NotAction', () => {
      for (const owned of resourcePolicyStatements(template)) {
        expect(owned.statement.NotPrincipal, whereOf(owned)).toBeUndefined();
        expect(owned.statement.NotAction, whereOf(owned)).toBeUndefined();
        // A Deny with a `*` principal is how TLS-only is enforced; an Allow with one makes a resource public.
        if (owned.statement.Effect === 'Allow') expect(isAnyone(owned.statement.Principal), whereOf(owned)).toBe(false);
        else expect(owned.statement.Effect, whereOf(owned)).toBe('Deny');
      }
    });

    it('gives kms:* on a key only to the account root, which delegates to the narrow IAM policies', () => {
      const keyAllows = allows('AWS::KMS::Key');
      for (const [keyId] of resourcesOfType(template, 'AWS::KMS::Key')) {
        expect(
          keyAllows.filter((owned) => owned.owner === keyId).map((owned) => owned.statement.Principal),
          keyId,
        ).toContainEqual(accountRoot);
      }
      for (const owned of keyAllows) {
        // `Resource: '*'` in a key policy is the key itself, the only value KMS accepts.
        expect(owned.statement.Resource, whereOf(owned)).toBe('*');
        if (JSON.stringify(owned.statement.Principal) === JSON.stringify(accountRoot)) {
          expect(owned.statement.Action, whereOf(owned)).toBe('kms:*');
        } else {
          for (const action of actionsOf(owned)) expect(action, whereOf(owned)).not.toBe('kms:*');
        }
      }
    });

    it('lets AWS services use a key, bucket or topic only on behalf of this account, with listed wildcards only', () => {
      const serviceAllows = resourcePolicyStatements(template).filter(
        (owned) =>
          owned.statement.Effect === 'Allow' &&
          JSON.stringify(owned.statement.Principal) !== JSON.stringify(accountRoot),
      );
      for (const owned of serviceAllows) {
        const service = (owned.statement.Principal as { Service?: unknown } | undefined)?.Service;
        expect(typeof service === 'string' && service.endsWith('.amazonaws.com'), whereOf(owned)).toBe(true);
        // Without the condition any account's CloudWatch (the confused deputy) could use it.
        expect(boundToThisAccount(owned), whereOf(owned)).toBe(true);
        for (const action of actionsOf(owned)) {
          if (!action.includes('*')) continue;
          const where = `${action} is not in the allow-list; ${whereOf(owned)}`;
          expect(owned.kind, where).toBe('AWS::KMS::Key');
          expect(keyPolicyWildcardActions.has(`${String(service)} ${action}`), where).toBe(true);
        }
      }
    });

    it('rotates every KMS key', () => {
      const keys = resourcesOfType(template, 'AWS::KMS::Key');
      expect(keys.length).toBeGreaterThan(0);
      for (const [id, key] of keys) expect(key.Properties?.EnableKeyRotation, id).toBe(true);
    });
  });

  describe('encryption at rest, TLS only, nothing public', () => {
    /** A key of this stack (rotating, tested above) or the AWS managed key of the service. */
    const isKeyOf = (value: unknown, awsManagedAlias: string) => {
      const target = getAttTarget(value) ?? (value as { Ref?: string } | null)?.Ref;
      if (target !== undefined) return resource(template, target).Type === 'AWS::KMS::Key';
      return value === awsManagedAlias;
    };
    const buckets = () => resourcesOfType(template, 'AWS::S3::Bucket');
    const secureTransportIsFalse = (statement: { Condition?: Record<string, Record<string, unknown>> }) =>
      String(statement.Condition?.Bool?.['aws:SecureTransport']) === 'false';

    it('encrypts every stream with KMS', () => {
      const streams = resourcesOfType(template, 'AWS::Kinesis::Stream');
      expect(streams.length).toBeGreaterThan(0);
      for (const [id] of streams) {
        const { StreamEncryption } = propertiesOf<StreamProperties>(template, id);
        expect(StreamEncryption?.EncryptionType, id).toBe('KMS');
        expect(isKeyOf(StreamEncryption?.KeyId, 'alias/aws/kinesis'), id).toBe(true);
      }
    });

    it('encrypts every table with a KMS key (SSESpecification)', () => {
      const tables = [
        ...resourcesOfType(template, 'AWS::DynamoDB::Table'),
        ...resourcesOfType(template, 'AWS::DynamoDB::GlobalTable'),
      ];
      expect(tables.length).toBeGreaterThanOrEqual(4);
      for (const [id] of tables) {
        expect(propertiesOf<TableProperties>(template, id).SSESpecification?.SSEEnabled, id).toBe(true);
      }
    });

    it('encrypts every bucket by default (BucketEncryption)', () => {
      expect(buckets().length).toBeGreaterThanOrEqual(5);
      for (const [id] of buckets()) {
        const rules =
          propertiesOf<{
            BucketEncryption?: {
              ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault?: { SSEAlgorithm: string } }[];
            };
          }>(template, id).BucketEncryption?.ServerSideEncryptionConfiguration ?? [];
        expect(rules.length, id).toBeGreaterThan(0);
        for (const rule of rules) {
          expect(['AES256', 'aws:kms', 'aws:kms:dsse'], id).toContain(rule.ServerSideEncryptionByDefault?.SSEAlgorithm);
        }
      }
    });

    it('encrypts every topic with a KMS key (KmsMasterKeyId), and every queue if there is one', () => {
      const topics = resourcesOfType(template, 'AWS::SNS::Topic');
      expect(topics.length).toBeGreaterThan(0);
      for (const [id] of topics) {
        expect(
          isKeyOf(propertiesOf<{ KmsMasterKeyId?: unknown }>(template, id).KmsMasterKeyId, 'alias/aws/sns'),
          id,
        ).toBe(true);
      }
      for (const [id] of resourcesOfType(template, 'AWS::SQS::Queue')) {
        const queue = propertiesOf<{ KmsMasterKeyId?: unknown; SqsManagedSseEnabled?: boolean }>(template, id);
        expect(queue.KmsMasterKeyId !== undefined || queue.SqsManagedSseEnabled !== false, id).toBe(true);
      }
    });

    it('refuses plain-HTTP access to every bucket, the deployment bucket included, through its bucket policy', () => {
      // The framework gives its deployment bucket the same Deny (with a boolean false); ours carry the string.
      for (const [bucketId] of buckets()) {
        const policies = resourcesOfType(template, 'AWS::S3::BucketPolicy').filter(
          ([, policy]) => JSON.stringify(policy.Properties?.Bucket) === JSON.stringify({ Ref: bucketId }),
        );
        expect(policies, bucketId).toHaveLength(1);
        const denies = resourcePolicyStatements(template).filter(
          (owned) =>
            owned.owner === policies[0]?.[0] &&
            owned.statement.Effect === 'Deny' &&
            owned.statement.Principal === '*' &&
            asArray(owned.statement.Action).includes('s3:*') &&
            secureTransportIsFalse(owned.statement),
        );
        expect(denies, bucketId).toHaveLength(1);
        const covered = asArray(denies[0]?.statement.Resource)
          .map(flattenArn)
          .map((arn) => arn.replace(`arn:<AWS::Partition>:s3:::<${bucketId}>`, `<${bucketId}.Arn>`))
          .sort();
        expect(covered, bucketId).toEqual([`<${bucketId}.Arn>`, `<${bucketId}.Arn>/*`]);
      }
    });

    it('refuses publishing to every topic over plain HTTP', () => {
      const topics = resourcesOfType(template, 'AWS::SNS::Topic');
      expect(topics.length).toBeGreaterThan(0);
      for (const [topicId] of topics) {
        const denies = resourcePolicyStatements(template).filter(
          (owned) =>
            owned.kind === 'AWS::SNS::TopicPolicy' &&
            owned.statement.Effect === 'Deny' &&
            owned.statement.Principal === '*' &&
            asArray(owned.statement.Action).includes('sns:Publish') &&
            JSON.stringify(owned.statement.Resource) === JSON.stringify({ Ref: topicId }) &&
            secureTransportIsFalse(owned.statement),
        );
        expect(denies, topicId).toHaveLength(1);
      }
    });

    it('blocks public access on every bucket, the deployment bucket included, and grants no ACL', () => {
      for (const [bucketId, bucket] of buckets()) {
        expect(bucket.Properties?.PublicAccessBlockConfiguration, bucketId).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(bucket.Properties?.AccessControl, bucketId).toBeUndefined();
        expect(bucket.Properties?.WebsiteConfiguration, bucketId).toBeUndefined();
      }
    });
  });

  describe('entry points', () => {
    it('puts every route but the dashboard page behind the producer authorizer', () => {
      const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties ?? {});
      const open = routes.filter((route) => (route.AuthorizationType ?? 'NONE') === 'NONE').map((r) => r.RouteKey);
      expect(open).toEqual(publicRoutes);
      for (const route of routes.filter((candidate) => !publicRoutes.includes(String(candidate.RouteKey)))) {
        expect(route.AuthorizationType, String(route.RouteKey)).toBe('CUSTOM');
        expect(route.AuthorizerId, String(route.RouteKey)).toEqual({ Ref: 'HttpApiAuthorizerProducerAuthorizer' });
      }
    });

    it('lets only this API and this schedule invoke functions, and exposes no function URL', () => {
      const permissions = resourcesOfType(template, 'AWS::Lambda::Permission');
      expect(permissions.length).toBeGreaterThan(0);
      for (const [id, permission] of permissions) {
        const properties = permission.Properties ?? {};
        expect(properties.Action, id).toBe('lambda:InvokeFunction');
        expect(['apigateway.amazonaws.com', 'events.amazonaws.com'], id).toContain(properties.Principal);
        const source = flattenArn(properties.SourceArn);
        if (properties.Principal === 'apigateway.amazonaws.com') expect(source, id).toContain(':<HttpApi>/');
        else expect(getAttTarget(properties.SourceArn) ?? '', id).toMatch(/EventsRule/);
      }
      expect(resourcesOfType(template, 'AWS::Lambda::Url')).toEqual([]);
    });

    it('writes no request to the logs: no event logging, no headers in the access log', () => {
      // POWERTOOLS_LOGGER_LOG_EVENT would log the authorizer event, Authorization header and all.
      for (const [id] of resourcesOfType(template, 'AWS::Lambda::Function')) {
        const variables = propertiesOf<FunctionProperties>(template, id).Environment.Variables;
        expect(String(variables.POWERTOOLS_LOGGER_LOG_EVENT ?? 'false').toLowerCase(), id).toBe('false');
      }
      const { AccessLogSettings } = propertiesOf<{ AccessLogSettings: { Format: string } }>(template, 'HttpApiStage');
      expect(AccessLogSettings.Format).not.toMatch(/header|authorization|identitySource/i);
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

    it(`reads with enhanced fan-out by default (${name}StreamReads), compiled as before the param existed`, () => {
      // The raw template decides it with a condition on the param's looked-up value...
      expect(packaged.template.Conditions?.[`${prefix}ReadsEnhancedFanOut`]).toEqual({
        'Fn::Equals': ['enhancedFanOut', 'enhancedFanOut'],
      });
      expect(packaged.template.Resources[`${prefix}StreamConsumer`]?.Condition).toBe(`${prefix}ReadsEnhancedFanOut`);
      // ...and what CloudFormation creates from it is exactly what the template held before.
      expect(resource(template, `${prefix}StreamConsumer`)).toEqual({
        Type: 'AWS::Kinesis::StreamConsumer',
        Properties: { ConsumerName: `kinesis-pipeline-ci-${name}`, StreamARN: { 'Fn::GetAtt': ['Stream', 'Arn'] } },
      });
      expect(statementsForService(statements(), 'kinesis').map(({ statement }) => statement)).toEqual([
        {
          Effect: 'Allow',
          Action: [
            'kinesis:DescribeStream',
            'kinesis:DescribeStreamSummary',
            'kinesis:GetRecords',
            'kinesis:GetShardIterator',
            'kinesis:ListShards',
          ],
          Resource: { 'Fn::GetAtt': ['Stream', 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['kinesis:SubscribeToShard', 'kinesis:DescribeStreamConsumer'],
          Resource: { 'Fn::GetAtt': [`${prefix}StreamConsumer`, 'ConsumerARN'] },
        },
      ]);
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
    '%s tiers and expires its objects, with ACLs disabled',
    (bucketId) => {
      // Encryption, TLS-only and public access are checked for every bucket under "encryption at rest".
      const bucket = propertiesOf<{
        OwnershipControls: { Rules: { ObjectOwnership: string }[] };
        LifecycleConfiguration: {
          Rules: { Status: string; ExpirationInDays: number; Transitions: { TransitionInDays: number }[] }[];
        };
      }>(template, bucketId);
      expect(bucket.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
      const [rule] = bucket.LifecycleConfiguration.Rules;
      expect(rule?.Status).toBe('Enabled');
      expect(rule?.Transitions[0]?.TransitionInDays).toBeGreaterThanOrEqual(30);
      expect(rule?.ExpirationInDays).toBeGreaterThan(rule?.Transitions[0]?.TransitionInDays ?? 0);
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
    it('keeps aggregates by key, minute and shard (a part per shard), with a byHour index and TTL', () => {
      const table = propertiesOf<TableProperties & { GlobalSecondaryIndexes: unknown[]; TableName: unknown }>(
        template,
        'AggregatesTable',
      );
      expect(table.BillingMode).toBe('PAY_PER_REQUEST');
      // A new name for the new key schema: CloudFormation cannot replace a table that keeps its name.
      expect(table.TableName).toBe('kinesis-pipeline-ci-aggregate-parts');
      expect(table.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
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
    template = applyConditions(packaged.template);
  });

  afterAll(async () => {
    await packaged?.cleanup();
  });

  it('creates a PROVISIONED stream with the requested shard count', () => {
    const stream = propertiesOf<StreamProperties>(template, 'Stream');
    expect(stream.StreamModeDetails.StreamMode).toBe('PROVISIONED');
    expect(Number(stream.ShardCount)).toBe(3);
  });
});

describe('packaged stack with --param retentionHours=168', () => {
  let packaged: PackagedService;
  let template: CfnTemplate;

  beforeAll(async () => {
    packaged = await packageService('ci', ['--param', 'retentionHours=168']);
    template = applyConditions(packaged.template);
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

describe.each(consumers)(
  'packaged stack with the $name consumer on shared throughput (--param <name>StreamReads=shared)',
  ({ name, functionId, prefix }) => {
    let packaged: PackagedService;
    let template: CfnTemplate;
    const others = consumers.filter((other) => other.name !== name);

    beforeAll(async () => {
      packaged = await packageService('ci', ['--param', `${name}StreamReads=shared`]);
      template = applyConditions(packaged.template);
    });

    afterAll(async () => {
      await packaged?.cleanup();
    });

    const mappingSource = (id: string) =>
      resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').find(
        ([, mapping]) => getAttTarget(mapping.Properties?.FunctionName) === id,
      )?.[1].Properties?.EventSourceArn;
    const kinesisActions = (id: string) =>
      statementsForService(statementsOfRoleFor(template, id), 'kinesis')
        .flatMap((owned) => actionsOf(owned).map((action) => `${action} ${flattenArn(owned.statement.Resource)}`))
        .sort();

    it('creates no stream consumer for it, and its mapping reads the stream itself', () => {
      expect(packaged.template.Conditions?.[`${prefix}ReadsEnhancedFanOut`]).toEqual({
        'Fn::Equals': ['shared', 'enhancedFanOut'],
      });
      expect(template.Resources[`${prefix}StreamConsumer`]).toBeUndefined();
      expect(mappingSource(functionId)).toEqual({ 'Fn::GetAtt': ['Stream', 'Arn'] });
    });

    it('grants its role the shared-throughput reads on the stream and nothing on a consumer', () => {
      expect(kinesisActions(functionId)).toEqual([
        'kinesis:DescribeStream <Stream.Arn>',
        'kinesis:DescribeStreamSummary <Stream.Arn>',
        'kinesis:GetRecords <Stream.Arn>',
        'kinesis:GetShardIterator <Stream.Arn>',
        'kinesis:ListShards <Stream.Arn>',
      ]);
    });

    it('leaves nothing referring to the consumer that is not created (mapping, role, alarm or output)', () => {
      expect(JSON.stringify(template)).not.toContain(`"${prefix}StreamConsumer"`);
      // Its alarms stay: Lambda reports IteratorAge and Errors for either kind of mapping.
      expect(resource(template, `${prefix}IteratorAgeAlarm`).Type).toBe('AWS::CloudWatch::Alarm');
    });

    it('leaves the other consumers on enhanced fan-out', () => {
      for (const other of others) {
        expect(resource(template, `${other.prefix}StreamConsumer`).Type, other.name).toBe(
          'AWS::Kinesis::StreamConsumer',
        );
        expect(mappingSource(other.functionId), other.name).toEqual({
          'Fn::GetAtt': [`${other.prefix}StreamConsumer`, 'ConsumerARN'],
        });
        expect(kinesisActions(other.functionId), other.name).toContain(
          `kinesis:SubscribeToShard <${other.prefix}StreamConsumer.ConsumerARN>`,
        );
      }
    });
  },
);

describe('packaged stack with a *StreamReads value that is neither enhancedFanOut nor shared', () => {
  it('fails packaging, naming the condition that looks the value up', async () => {
    // custom.streamReadsValues lists the values; a typo has no entry, so the variable cannot resolve.
    await expect(packageService('ci', ['--param', 'alertStreamReads=sharde'])).rejects.toThrow(
      /AlertReadsEnhancedFanOut[\s\S]*Value not found/,
    );
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
