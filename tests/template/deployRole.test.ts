import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyConditions,
  asArray,
  type CfnResource,
  type CfnTemplate,
  literalOf,
  packageService,
  refInJoin,
} from './cloudformation.ts';

// The deploy role's policy in docs/DEPLOYING.md, checked against what published sources say the
// stack's deploy and removal need (tests/fixtures/cloudformation-schemas/, see its README):
// - for every resource in the compiled templates, the actions its CloudFormation resource schema
//   lists for the create, read, update and delete handlers (CloudFormation calls them with the
//   deploy role's credentials: serverless.yml sets no deployment role), on the resource's ARN as
//   CloudFormation would name it, including the names it shortens for long stages;
// - what API Gateway's documentation adds for a stage with access logs;
// - osls's own calls and those of deploy/emptyBucketsOnRemove.cjs;
// - no condition key an action does not support (per every vendored source), since a statement
//   whose condition names a key the request lacks never matches.

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixturesDir = join(repoRoot, 'tests', 'fixtures', 'cloudformation-schemas');
const oslsDir = join(repoRoot, 'node_modules', 'osls');

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
/** Packaged and checked in full. production-eu is long enough for CloudFormation to shorten names. */
const PACKAGED_STAGES = ['ci', 'prod', 'production-eu'] as const;
/**
 * A variant packaged and checked too: every consumer on shared throughput (the *StreamReads params),
 * so no AWS::Kinesis::StreamConsumer and mappings on the stream ARN. Switching a stage to it deletes
 * the consumers, which the default templates' consumer delete handlers already cover.
 */
const SHARED_READS_ARGS = ['archive', 'aggregate', 'alert'].flatMap((name) => ['--param', `${name}StreamReads=shared`]);
/** Generated names and policy size checked too, from the ci template's logical IDs: 8 and 9 characters bracket the rule. */
const EXTRA_NAMING_STAGES = ['dev', 'staging', 'abcdefgh', 'abcdefghi', 'a-very-long-personal-stage-name'];
/** IAM's limit for all inline policies of a role, whitespace excluded (IAM and STS quotas). */
const ROLE_INLINE_POLICY_LIMIT = 10_240;
/**
 * The handlers stack operations run (CloudFormation CLI user guide, "Developing resource types"); the
 * list handler serves "summary information about multiple resources" (Cloud Control ListResources).
 */
const STACK_HANDLERS = ['create', 'read', 'update', 'delete'] as const;

// ---- vendored sources

type HandlerName = 'create' | 'read' | 'update' | 'delete' | 'list';

interface HandlersFixture {
  types: Record<string, { handlers: Partial<Record<HandlerName, string[]>> }>;
}

interface SarAction {
  resourceTypes: string[];
  conditionKeys: string[];
}

interface SarService {
  actionNames?: string[];
  actions: Record<string, SarAction>;
  resourceTypes: Record<string, { arnFormats: string[]; conditionKeys: string[] }>;
  operations?: Record<string, string[]>;
  neitherActionNorOperation?: string[];
}

interface LambdaGuideFixture {
  source: { title: string };
  actions: Record<string, { resource: string; conditionKeys: string[] }>;
}

interface HttpApiLoggingFixture {
  appliesTo: { type: string; property: string };
  statements: { actions: string[]; resource: string }[];
}

interface PhysicalNamesFixture {
  form: { randomCharacters: number };
  observed: {
    type: string;
    stackName: string;
    logicalIdStartsWith: string;
    logicalIdIsComplete?: boolean;
    name: string;
  }[];
  maxLength: Record<string, { length: number; lowercase?: boolean }>;
}

const fixture = <T>(file: string): T => JSON.parse(readFileSync(join(fixturesDir, file), 'utf8')) as T;
const handlers = fixture<HandlersFixture>('handlers.json');
const sar = fixture<{ services: Record<string, SarService> }>('service-authorization.json').services;
const lambdaGuide = fixture<LambdaGuideFixture>('lambda-developer-guide.json');
const httpApiLogging = fixture<HttpApiLoggingFixture>('apigateway-http-api-logging.json');
const physicalNames = fixture<PhysicalNamesFixture>('physical-names.json');

// ---- features this template does not use, whose actions the policy leaves out

interface NotRequired {
  /** As the schema lists them (compared case-insensitively). */
  permissions: string[];
  /** Property paths (`A.B`, `A[].B`) that would call for them; no resource of the type may set one. */
  properties: string[];
}

/**
 * Actions a schema lists for a feature that reaches resources outside this stack (another service's
 * resources, roles handed to a service, keys, networks) and that the templates do not use. Each is
 * tied to the property that enables the feature; the gate test fails once a resource sets it.
 * Same-service configuration of the stack's own resources is granted even when unused (see
 * docs/DEPLOYING.md).
 */
const notRequired: Record<string, NotRequired[]> = {
  'AWS::ApiGatewayV2::Api': [{ permissions: ['s3:getObject'], properties: ['BodyS3Location'] }],
  'AWS::ApiGatewayV2::Authorizer': [{ permissions: ['iam:PassRole'], properties: ['AuthorizerCredentialsArn'] }],
  'AWS::ApiGatewayV2::Integration': [{ permissions: ['iam:PassRole'], properties: ['CredentialsArn'] }],
  'AWS::Athena::WorkGroup': [
    { permissions: ['iam:PassRole'], properties: ['WorkGroupConfiguration.ExecutionRole'] },
    {
      permissions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      properties: [
        'WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration.KmsKey',
        'WorkGroupConfiguration.CustomerContentEncryptionConfiguration',
        'WorkGroupConfiguration.ManagedQueryResultsConfiguration.EncryptionConfiguration',
      ],
    },
  ],
  'AWS::DynamoDB::Table': [
    {
      permissions: [
        'dynamodb:ImportTable',
        'dynamodb:DescribeImport',
        's3:GetObject',
        's3:GetObjectMetadata',
        's3:ListBucket',
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:DescribeLogGroups',
        'logs:DescribeLogStreams',
        'logs:PutLogEvents',
        'logs:PutRetentionPolicy',
      ],
      properties: ['ImportSourceSpecification'],
    },
    {
      permissions: [
        'kinesis:DescribeStream',
        'kinesis:PutRecords',
        'dynamodb:EnableKinesisStreamingDestination',
        'dynamodb:DisableKinesisStreamingDestination',
        'dynamodb:UpdateKinesisStreamingDestination',
      ],
      properties: ['KinesisStreamSpecification'],
    },
    {
      permissions: ['kms:CreateGrant', 'kms:Decrypt', 'kms:Encrypt', 'kms:RevokeGrant'],
      properties: ['SSESpecification.KMSMasterKeyId'],
    },
  ],
  'AWS::Events::Rule': [{ permissions: ['iam:PassRole'], properties: ['RoleArn', 'Targets[].RoleArn'] }],
  'AWS::Glue::Database': [
    {
      permissions: [
        'glue:PassConnection',
        'glue:CreateConnection',
        'glue:GetConnection',
        'glue:UpdateConnection',
        'glue:DeleteConnection',
      ],
      properties: ['DatabaseInput.FederatedDatabase'],
    },
  ],
  // The handlers attach and detach the principals the template lists; an analyst attached by hand
  // must be detached by hand before the stack's removal (docs/DEPLOYING.md), so the deploy role
  // cannot change any user's, group's or role's policies.
  'AWS::IAM::ManagedPolicy': [
    {
      permissions: [
        'iam:AttachUserPolicy',
        'iam:AttachGroupPolicy',
        'iam:AttachRolePolicy',
        'iam:DetachUserPolicy',
        'iam:DetachGroupPolicy',
        'iam:DetachRolePolicy',
      ],
      properties: ['Users', 'Groups', 'Roles'],
    },
  ],
  'AWS::IAM::Role': [
    { permissions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'], properties: ['ManagedPolicyArns'] },
    {
      permissions: ['iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary'],
      properties: ['PermissionsBoundary'],
    },
  ],
  'AWS::Kinesis::Stream': [
    {
      permissions: ['kinesis:EnableEnhancedMonitoring', 'kinesis:DisableEnhancedMonitoring'],
      properties: ['DesiredShardLevelMetrics'],
    },
  ],
  'AWS::Lambda::EventSourceMapping': [
    { permissions: ['kms:DescribeKey', 'kms:GenerateDataKey', 'kms:Decrypt'], properties: ['KmsKeyArn'] },
  ],
  'AWS::Lambda::Function': [
    {
      permissions: [
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSubnets',
        'ec2:DescribeVpcs',
        'ec2:DescribeNetworkInterfaces',
      ],
      properties: ['VpcConfig'],
    },
    {
      permissions: ['elasticfilesystem:DescribeMountTargets', 's3files:ListMountTargets'],
      properties: ['FileSystemConfigs'],
    },
    {
      permissions: ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      properties: ['KmsKeyArn'],
    },
    {
      permissions: [
        'lambda:GetCodeSigningConfig',
        'lambda:PutFunctionCodeSigningConfig',
        'lambda:DeleteFunctionCodeSigningConfig',
      ],
      properties: ['CodeSigningConfigArn'],
    },
    { permissions: ['lambda:GetLayerVersion'], properties: ['Layers'] },
    { permissions: ['lambda:PassCapacityProvider'], properties: ['CapacityProviderConfig'] },
  ],
  'AWS::Logs::LogGroup': [
    { permissions: ['logs:PutIndexPolicy', 'logs:DeleteIndexPolicy'], properties: ['FieldIndexPolicies'] },
    { permissions: ['logs:DeleteResourcePolicy'], properties: ['ResourcePolicyDocument'] },
    { permissions: ['logs:PutBearerTokenAuthentication'], properties: ['BearerTokenAuthenticationEnabled'] },
  ],
  'AWS::S3::Bucket': [
    { permissions: ['iam:PassRole', 's3:PutBucketReplication'], properties: ['ReplicationConfiguration'] },
    {
      permissions: [
        's3:CreateBucketMetadataTableConfiguration',
        's3:DeleteBucketMetadataTableConfiguration',
        's3:UpdateBucketMetadataJournalTableConfiguration',
        's3:UpdateBucketMetadataInventoryTableConfiguration',
        's3:UpdateBucketMetadataAnnotationTableConfiguration',
        's3tables:CreateNamespace',
        's3tables:CreateTable',
        's3tables:CreateTableBucket',
        's3tables:GetTable',
        's3tables:PutTableBucketPolicy',
        's3tables:PutTableEncryption',
        's3tables:PutTablePolicy',
        's3tables:GetTableMetadataLocation',
        's3tables:UpdateTableMetadataLocation',
      ],
      properties: ['MetadataTableConfiguration', 'MetadataConfiguration'],
    },
  ],
  'AWS::SNS::Topic': [
    { permissions: ['sns:Subscribe', 'sns:Unsubscribe'], properties: ['Subscription'] },
    { permissions: ['iam:GetRole', 'iam:PassRole'], properties: ['DeliveryStatusLogging'] },
  ],
};

// ---- what osls and the remove plugin call

type FrameworkTarget = 'stack' | 'any' | 'deploymentBucket' | 'deploymentObjects' | 'functions';

/**
 * osls's AWS calls on `serverless deploy` and `serverless remove` with this serverless.yml
 * (change-set deployment, the framework's own deployment bucket, no ECR images, no REST API), with
 * the action each needs out of those the Service Authorization Reference says the operation
 * authorizes, and where in osls it is made. Not listed: ecr:DescribeRepositories (remove; osls takes
 * AccessDenied for "no repository"), sts:GetCallerIdentity (needs no permission), CreateStack and
 * UpdateStack (deploymentMethod: direct only).
 */
const oslsCalls: {
  operation: string;
  actions: string[];
  target: FrameworkTarget;
  files: string[];
  /** What the files contain where the call is made; `new <Operation>Command` unless given. */
  evidence?: string;
}[] = [
  {
    operation: 'cloudformation:DescribeStacks',
    actions: ['cloudformation:DescribeStacks'],
    target: 'stack',
    files: ['lib/plugins/aws/deploy/lib/create-stack.js', 'lib/plugins/aws/remove/lib/stack.js'],
  },
  {
    // The change set carries the stack tag STAGE (lib/plugins/aws/lib/get-shared-stack-action-params.js).
    operation: 'cloudformation:CreateChangeSet',
    actions: ['cloudformation:CreateChangeSet', 'cloudformation:TagResource'],
    target: 'stack',
    files: ['lib/plugins/aws/deploy/lib/create-stack.js', 'lib/plugins/aws/lib/update-stack.js'],
  },
  {
    operation: 'cloudformation:DescribeChangeSet',
    actions: ['cloudformation:DescribeChangeSet'],
    target: 'stack',
    files: ['lib/plugins/aws/lib/wait-for-change-set-creation.js'],
  },
  {
    operation: 'cloudformation:ExecuteChangeSet',
    actions: ['cloudformation:ExecuteChangeSet'],
    target: 'stack',
    files: ['lib/plugins/aws/deploy/lib/create-stack.js', 'lib/plugins/aws/lib/update-stack.js'],
  },
  {
    operation: 'cloudformation:DeleteChangeSet',
    actions: ['cloudformation:DeleteChangeSet'],
    target: 'stack',
    files: ['lib/plugins/aws/lib/update-stack.js'],
  },
  {
    operation: 'cloudformation:DescribeStackEvents',
    actions: ['cloudformation:DescribeStackEvents'],
    target: 'stack',
    files: ['lib/plugins/aws/lib/monitor-stack.js'],
  },
  {
    operation: 'cloudformation:DescribeStackResource',
    actions: ['cloudformation:DescribeStackResource'],
    target: 'stack',
    files: ['lib/plugins/aws/provider.js'],
  },
  {
    operation: 'cloudformation:ListStackResources',
    actions: ['cloudformation:ListStackResources'],
    target: 'stack',
    files: ['lib/plugins/aws/info/get-resource-count.js'],
  },
  {
    operation: 'cloudformation:GetTemplate',
    actions: ['cloudformation:GetTemplate'],
    target: 'stack',
    files: ['lib/plugins/aws/deploy/lib/ensure-valid-bucket-exists.js'],
  },
  {
    operation: 'cloudformation:ValidateTemplate',
    actions: ['cloudformation:ValidateTemplate'],
    target: 'any',
    files: ['lib/plugins/aws/deploy/lib/validate-template.js'],
  },
  {
    operation: 'cloudformation:DeleteStack',
    actions: ['cloudformation:DeleteStack'],
    target: 'stack',
    files: ['lib/plugins/aws/remove/lib/stack.js'],
  },
  {
    operation: 's3:HeadBucket',
    actions: ['s3:ListBucket'],
    target: 'deploymentBucket',
    files: ['lib/plugins/aws/lib/check-if-bucket-exists.js'],
  },
  {
    operation: 's3:ListObjectsV2',
    actions: ['s3:ListBucket'],
    target: 'deploymentBucket',
    files: ['lib/plugins/aws/deploy/lib/cleanup-s3-bucket.js', 'lib/plugins/aws/remove/lib/bucket.js'],
  },
  {
    operation: 's3:HeadObject',
    actions: ['s3:GetObject'],
    target: 'deploymentObjects',
    files: ['lib/plugins/aws/deploy/lib/check-for-changes.js'],
  },
  {
    // Uploads go through @aws-sdk/lib-storage's Upload: PutObject, or a multipart upload (also s3:PutObject).
    operation: 's3:PutObject',
    actions: ['s3:PutObject'],
    target: 'deploymentObjects',
    files: ['lib/plugins/aws/lib/upload-s3-object.js'],
    evidence: 'new Upload(',
  },
  {
    operation: 's3:DeleteObjects',
    actions: ['s3:DeleteObject'],
    target: 'deploymentObjects',
    files: ['lib/plugins/aws/deploy/lib/cleanup-s3-bucket.js', 'lib/plugins/aws/remove/lib/bucket.js'],
  },
  {
    operation: 'lambda:GetFunction',
    actions: ['lambda:GetFunction'],
    target: 'functions',
    files: ['lib/plugins/aws/deploy/lib/check-for-changes.js'],
  },
];

/** deploy/emptyBucketsOnRemove.cjs: each SDK command it imports, and the actions it needs. */
const removePluginCalls: Record<string, string[]> = {
  'cloudformation:DescribeStacks': ['cloudformation:DescribeStacks'],
  'cloudformation:GetTemplate': ['cloudformation:GetTemplate'],
  'cloudformation:ListStackResources': ['cloudformation:ListStackResources'],
  's3:GetBucketVersioning': ['s3:GetBucketVersioning'],
  's3:ListObjects': ['s3:ListBucket'],
  's3:ListObjectVersions': ['s3:ListBucketVersions'],
  's3:DeleteObjects': ['s3:DeleteObject', 's3:DeleteObjectVersion'],
};

// ---- the Service Authorization Reference excerpt

const splitAction = (action: string): [string, string] => {
  const colon = action.indexOf(':');
  if (colon < 0) throw new Error(`Not a service:action name: ${action}`);
  return [action.slice(0, colon).toLowerCase(), action.slice(colon + 1)];
};

const serviceOf = (service: string): SarService => {
  const found = sar[service];
  if (!found) throw new Error(`service-authorization.json has no service ${service}: refresh it (README.md)`);
  return found;
};

const findAction = (action: string): { name: string; spec: SarAction } | undefined => {
  const [service, name] = splitAction(action);
  const entry = Object.entries(serviceOf(service).actions).find(([key]) => key.toLowerCase() === name.toLowerCase());
  return entry && { name: `${service}:${entry[0]}`, spec: entry[1] };
};

const requireAction = (action: string): { name: string; spec: SarAction } => {
  const found = findAction(action);
  if (!found) throw new Error(`service-authorization.json lacks ${action}: refresh it (README.md)`);
  return found;
};

const findOperation = (operation: string): string[] | undefined => {
  const [service, name] = splitAction(operation);
  const entry = Object.entries(serviceOf(service).operations ?? {}).find(
    ([key]) => key.toLowerCase() === name.toLowerCase(),
  );
  return entry?.[1];
};

/** A schema's permission as IAM actions: itself, or the actions the API operation of that name authorizes. */
const resolvePermission = (permission: string): { kind: 'action' | 'operation' | 'unknown'; actions: string[] } => {
  const action = findAction(permission);
  if (action) return { kind: 'action', actions: [action.name] };
  const operation = findOperation(permission);
  if (operation) return { kind: 'operation', actions: operation };
  return { kind: 'unknown', actions: [] };
};

const arnFor = (service: string, type: string, variables: Record<string, string>): string => {
  const spec = serviceOf(service).resourceTypes[type];
  if (!spec) throw new Error(`service-authorization.json has no resource type ${service}:${type}`);
  const values: Record<string, string> = { Partition: 'aws', Region: REGION, Account: ACCOUNT, ...variables };
  for (const format of spec.arnFormats) {
    const names = [...format.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1] ?? '');
    if (names.every((name) => name in values))
      return format.replace(/\$\{([^}]+)\}/g, (_, name: string) => values[name] ?? '');
  }
  throw new Error(`No ARN format of ${service}:${type} takes ${Object.keys(variables).join(', ')}`);
};

// ---- IAM policy evaluation (the subset the policy uses; anything else fails loudly)

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: string | string[];
  NotResource?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

interface Policy {
  Version: string;
  Statement: Statement[];
}

const wildcard = (pattern: string, flags = ''): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    flags,
  );

const actionMatches = (pattern: string, action: string) => wildcard(pattern, 'i').test(action);
const resourceMatches = (pattern: string, arn: string) => wildcard(pattern).test(arn);

/** Condition keys every action supports (global keys), as opposed to the tag keys and service keys. */
const isGlobalConditionKey = (key: string) =>
  /^aws:/i.test(key) && !/^aws:(RequestTag|ResourceTag|TagKeys)\b/i.test(key);

const listsKey = (listed: string[], key: string) =>
  listed.some((entry) => wildcard(entry.replace(/\$\{[^}]+\}|<[^>]+>/g, '*'), 'i').test(key));

/**
 * Whether `action` supports condition key `key` in every vendored source that describes the action:
 * the Service Authorization Reference (the action's keys and its resource types' keys) and, for the
 * event source mapping actions, the Lambda Developer Guide. A key the request does not carry makes
 * a condition on it false, so one dissenting source is enough to make a statement unreliable.
 */
const conditionKeySupport = (
  action: string,
  key: string,
): { supported: true } | { supported: false; source: string } => {
  if (isGlobalConditionKey(key)) return { supported: true };
  const { name, spec } = requireAction(action);
  const [service] = splitAction(name);
  const resourceKeys = spec.resourceTypes.flatMap(
    (type) => serviceOf(service).resourceTypes[type]?.conditionKeys ?? [],
  );
  if (!listsKey([...spec.conditionKeys, ...resourceKeys], key)) {
    return { supported: false, source: 'the Service Authorization Reference (service-authorization.json)' };
  }
  const guide = Object.entries(lambdaGuide.actions).find(
    ([guideAction]) => guideAction.toLowerCase() === name.toLowerCase(),
  );
  if (guide && !listsKey(guide[1].conditionKeys, key)) {
    return { supported: false, source: `the ${lambdaGuide.source.title} (lambda-developer-guide.json)` };
  }
  return { supported: true };
};

const conditionHolds = (condition: Statement['Condition'], context: Record<string, string>): boolean => {
  for (const [operator, block] of Object.entries(condition ?? {})) {
    if (/^For(Any|All)Value:/.test(operator)) throw new Error(`Condition operator ${operator} is not modelled here`);
    const ifExists = operator.endsWith('IfExists');
    const base = operator.replace(/IfExists$/, '');
    for (const [key, expected] of Object.entries(block)) {
      const values = asArray(expected).map(String);
      const actual = Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
      const negated = /Not/.test(base);
      if (base === 'Null') {
        if (values.some((value) => (value === 'true') !== (actual === undefined))) return false;
        continue;
      }
      if (actual === undefined) {
        if (ifExists || negated) continue;
        return false;
      }
      let matched: boolean;
      if (base === 'StringEquals' || base === 'ArnEquals' || base === 'StringNotEquals' || base === 'ArnNotEquals') {
        matched = values.includes(actual);
      } else if (base === 'StringLike' || base === 'ArnLike' || base === 'StringNotLike' || base === 'ArnNotLike') {
        matched = values.some((value) => wildcard(value).test(actual));
      } else if (base === 'Bool') {
        matched = values.includes(actual);
      } else {
        throw new Error(`Condition operator ${operator} is not modelled here`);
      }
      if (matched === negated) return false;
    }
  }
  return true;
};

interface Request {
  action: string;
  resource: string;
  /** Condition keys the request may carry; only those the action supports are used. */
  context: Record<string, string>;
}

const statementMatches = (statement: Statement, request: Request): boolean => {
  if (!asArray(statement.Action).some((pattern) => actionMatches(pattern, request.action))) return false;
  if (!asArray(statement.Resource).some((pattern) => resourceMatches(pattern, request.resource))) return false;
  const context = Object.fromEntries(
    Object.entries(request.context).filter(([key]) => conditionKeySupport(request.action, key).supported),
  );
  return conditionHolds(statement.Condition, context);
};

const isAllowed = (policy: Policy, request: Request): boolean =>
  policy.Statement.some((statement) => statement.Effect === 'Allow' && statementMatches(statement, request)) &&
  !policy.Statement.some((statement) => statement.Effect === 'Deny' && statementMatches(statement, request));

// ---- the policy in docs/DEPLOYING.md

const PLACEHOLDERS = ['<region>', '<account>', '<stage>', '<generated>', '<database>'];

/** The documented value of `<database>`: the Glue database, `kinesis_pipeline_<stage>` with `-` turned into `_`. */
const documentedDatabase = (stage: string) => `kinesis_pipeline_${stage.replaceAll('-', '_')}`;

/** The documented value of `<generated>`: the prefix every name CloudFormation generates for the stage starts with. */
const documentedGeneratedPrefix = (stage: string) =>
  stage.length <= 8 ? `kinesis-pipeline-${stage}-` : `kinesis-pipeline-${stage.slice(0, 8)}`;

const readDeployingDoc = () => readFile(join(repoRoot, 'docs', 'DEPLOYING.md'), 'utf8');

/** The fenced JSON blocks of the document that are identity policies (no Principal): the deploy role's. */
const permissionPolicies = (markdown: string): Policy[] =>
  [...markdown.matchAll(/```json\n([\s\S]*?)\n```/g)]
    .map((match) => JSON.parse(match[1] ?? '') as Policy)
    .filter((document) => document && Array.isArray(document.Statement))
    .filter((document) =>
      document.Statement.every((statement) => !('Principal' in statement) && !('NotPrincipal' in statement)),
    );

const fillPlaceholders = (policy: Policy, stage: string): Policy => {
  const values: Record<string, string> = {
    '<region>': REGION,
    '<account>': ACCOUNT,
    '<stage>': stage,
    '<generated>': documentedGeneratedPrefix(stage),
    '<database>': documentedDatabase(stage),
  };
  const text = JSON.stringify(policy).replace(/<[a-z-]+>/g, (placeholder) => {
    const value = values[placeholder];
    if (value === undefined) throw new Error(`Unknown placeholder ${placeholder} in the deploy role's policy`);
    return value;
  });
  return JSON.parse(text) as Policy;
};

// ---- the compiled templates

interface PackagedStage {
  stage: string;
  /** The `--param`s it was packaged with. */
  args: readonly string[];
  /**
   * Resources of the update template and of the create template (the deployment bucket alone), as
   * CloudFormation creates them: those whose condition is false left out (applyConditions).
   */
  template: CfnTemplate;
}

/**
 * `serverless package` for one stage, in a copy of the service under .local/ (osls and
 * serverless-esbuild write to fixed folders of the service directory, which the other template
 * tests use), returning the union of the create and update templates' resources.
 */
const packageStage = async (stage: string, args: readonly string[] = []): Promise<PackagedStage> => {
  const packaged = await packageService(stage, args, { inCopy: true, timeoutMs: 240_000 });
  try {
    const { template: update, createTemplate: create } = packaged;
    for (const [logicalId, resource] of Object.entries(create.Resources)) {
      const later = update.Resources[logicalId];
      if (later && later.Type !== resource.Type) throw new Error(`${logicalId} changes type between the templates`);
    }
    const template = applyConditions({ ...update, Resources: { ...create.Resources, ...update.Resources } });
    return { stage, args, template };
  } finally {
    await packaged.cleanup();
  }
};

// ---- names and ARNs as CloudFormation would give them

const stackNameOf = (stage: string) => `kinesis-pipeline-${stage}`;

/** physical-names.json: `<stack>-<logical ID>-<random>`, both parts shortened to fit the type's limit. */
const generatedName = (stackName: string, logicalId: string, type: string, tail = 'Abcdefghijkl'): string => {
  const limit = physicalNames.maxLength[type];
  if (!limit) throw new Error(`physical-names.json has no length limit for ${type}`);
  const random = tail.slice(0, physicalNames.form.randomCharacters);
  let name = `${stackName}-${logicalId}-${random}`;
  if (name.length > limit.length) {
    const room = limit.length - (physicalNames.form.randomCharacters + 1) - 1;
    const stackLength = Math.min(stackName.length, Math.max(Math.ceil(room / 2), room - logicalId.length));
    const logicalLength = Math.min(logicalId.length, room - stackLength);
    name = `${stackName.slice(0, stackLength)}-${logicalId.slice(0, logicalLength)}-${random}`;
  }
  return limit.lowercase ? name.toLowerCase() : name;
};

/** The property that names a resource, for the types whose names appear in ARNs. */
const nameProperty: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Events::Rule': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Kinesis::Stream': 'Name',
  'AWS::Kinesis::StreamConsumer': 'ConsumerName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::Athena::WorkGroup': 'Name',
  'AWS::Glue::Database': 'DatabaseInput.Name',
  'AWS::Glue::Table': 'TableInput.Name',
};

const fakeUuid = (seed: string) => {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

const API_ID = 'a1b2c3d4e5';

/** ARNs of the stack's resources for one stage, keyed by `service:resource type` of the Service Authorization Reference. */
class StackModel {
  readonly stackName: string;

  constructor(
    readonly stage: string,
    readonly template: CfnTemplate,
  ) {
    this.stackName = stackNameOf(stage);
  }

  resource(logicalId: string): CfnResource {
    const found = this.template.Resources[logicalId];
    if (!found) throw new Error(`${logicalId} is not in the ${this.stage} template`);
    return found;
  }

  private property(logicalId: string, path: string): unknown {
    return path
      .split('.')
      .reduce<unknown>(
        (value, key) => (value as Record<string, unknown> | undefined)?.[key],
        this.resource(logicalId).Properties,
      );
  }

  /** The logical ID a `Ref` or `Fn::GetAtt` names. */
  target(value: unknown, where: string): string {
    const intrinsic = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown } | null;
    if (typeof intrinsic?.Ref === 'string') return intrinsic.Ref;
    const getAtt = intrinsic?.['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    throw new Error(`${where} is ${JSON.stringify(value)}, not a Ref or Fn::GetAtt this model resolves`);
  }

  /** The physical name: the template's, or the one CloudFormation generates. */
  name(logicalId: string): string {
    const { Type } = this.resource(logicalId);
    const property = nameProperty[Type];
    if (!property) throw new Error(`No name model for ${Type}`);
    const given = this.property(logicalId, property);
    if (given === undefined) return generatedName(this.stackName, logicalId, Type);
    const literal = literalOf(given);
    if (typeof literal !== 'string')
      throw new Error(`${logicalId}.${property} is not a literal: ${JSON.stringify(given)}`);
    return literal;
  }

  /** The resource's main ARN. */
  arn(logicalId: string): string {
    const { Type } = this.resource(logicalId);
    switch (Type) {
      case 'AWS::S3::Bucket':
        return arnFor('s3', 'bucket', { BucketName: this.name(logicalId) });
      case 'AWS::IAM::Role':
        return arnFor('iam', 'role', { RoleNameWithPath: this.name(logicalId) });
      case 'AWS::Events::Rule':
        return arnFor('events', 'rule-on-default-event-bus', { RuleName: this.name(logicalId) });
      case 'AWS::CloudWatch::Alarm':
        return arnFor('cloudwatch', 'alarm', { AlarmName: this.name(logicalId) });
      case 'AWS::Logs::LogGroup':
        return arnFor('logs', 'log-group', { LogGroupName: this.name(logicalId) });
      case 'AWS::Lambda::Function':
        return arnFor('lambda', 'function', { FunctionName: this.name(logicalId) });
      case 'AWS::Lambda::EventSourceMapping':
        return arnFor('lambda', 'eventSourceMapping', { UUID: fakeUuid(logicalId) });
      case 'AWS::Kinesis::Stream':
        return arnFor('kinesis', 'stream', { StreamName: this.name(logicalId) });
      case 'AWS::Kinesis::StreamConsumer': {
        const stream = this.target(this.property(logicalId, 'StreamARN'), `${logicalId}.StreamARN`);
        return arnFor('kinesis', 'consumer', {
          StreamType: 'stream',
          StreamName: this.name(stream),
          ConsumerName: this.name(logicalId),
          ConsumerCreationTimpstamp: '1735689600',
        });
      }
      case 'AWS::DynamoDB::Table':
        return arnFor('dynamodb', 'table', { TableName: this.name(logicalId) });
      case 'AWS::SNS::Topic':
        return arnFor('sns', 'topic', { TopicName: this.name(logicalId) });
      case 'AWS::KMS::Key':
        return arnFor('kms', 'key', { KeyId: fakeUuid(logicalId) });
      case 'AWS::KMS::Alias':
        return arnFor('kms', 'alias', { Alias: this.name(logicalId).replace(/^alias\//, '') });
      case 'AWS::ApiGatewayV2::Api':
        return arnFor('apigateway', 'Api', { ApiId: API_ID });
      case 'AWS::IAM::ManagedPolicy':
        return arnFor('iam', 'policy', { PolicyNameWithPath: this.name(logicalId) });
      case 'AWS::Athena::WorkGroup':
        return arnFor('athena', 'workgroup', { WorkGroupName: this.name(logicalId) });
      case 'AWS::Glue::Database':
        return arnFor('glue', 'database', { DatabaseName: this.name(logicalId) });
      case 'AWS::Glue::Table': {
        const database = this.target(this.property(logicalId, 'DatabaseName'), `${logicalId}.DatabaseName`);
        return arnFor('glue', 'table', { DatabaseName: this.name(database), TableName: this.name(logicalId) });
      }
      default:
        throw new Error(`No ARN model for ${Type} (${logicalId})`);
    }
  }

  /** Every ARN a handler of this resource may act on, by `service:type`. */
  arns(logicalId: string): Record<string, string[]> {
    const { Type } = this.resource(logicalId);
    const tagsOf = (arn: string) => arnFor('apigateway', 'Tags', { UrlEncodedResourceARN: encodeURIComponent(arn) });
    const api = (idProperty = 'ApiId') =>
      this.arn(this.target(this.property(logicalId, idProperty), `${logicalId}.${idProperty}`));
    switch (Type) {
      case 'AWS::S3::Bucket':
        return {
          's3:bucket': [this.arn(logicalId)],
          's3:object': [arnFor('s3', 'object', { BucketName: this.name(logicalId), ObjectName: 'any/key' })],
        };
      case 'AWS::S3::BucketPolicy':
        return { 's3:bucket': [this.arn(this.target(this.property(logicalId, 'Bucket'), `${logicalId}.Bucket`))] };
      case 'AWS::IAM::Role':
        return { 'iam:role': [this.arn(logicalId)] };
      case 'AWS::Events::Rule':
        return { 'events:rule-on-default-event-bus': [this.arn(logicalId)] };
      case 'AWS::CloudWatch::Alarm':
        return { 'cloudwatch:alarm': [this.arn(logicalId)] };
      case 'AWS::Logs::LogGroup':
        return this.logGroupArns(logicalId);
      case 'AWS::Lambda::Function': {
        const role = this.target(this.property(logicalId, 'Role'), `${logicalId}.Role`);
        const bucket = this.target(this.property(logicalId, 'Code.S3Bucket'), `${logicalId}.Code.S3Bucket`);
        const key = this.property(logicalId, 'Code.S3Key');
        if (typeof key !== 'string') throw new Error(`${logicalId}.Code.S3Key is not a literal`);
        return {
          'lambda:function': [this.arn(logicalId)],
          'iam:role': [this.arn(role)],
          's3:object': [arnFor('s3', 'object', { BucketName: this.name(bucket), ObjectName: key })],
        };
      }
      case 'AWS::Lambda::Version':
      case 'AWS::Lambda::Permission': {
        const fn = this.target(this.property(logicalId, 'FunctionName'), `${logicalId}.FunctionName`);
        const arns: Record<string, string[]> = { 'lambda:function': [this.arn(fn)] };
        if (Type === 'AWS::Lambda::Version') {
          arns['lambda:function version'] = [
            arnFor('lambda', 'function version', { FunctionName: this.name(fn), Version: '1' }),
          ];
        }
        return arns;
      }
      case 'AWS::Lambda::EventSourceMapping':
        return { 'lambda:eventSourceMapping': [this.arn(logicalId)] };
      case 'AWS::Kinesis::Stream': {
        const key = this.target(
          this.property(logicalId, 'StreamEncryption.KeyId'),
          `${logicalId}.StreamEncryption.KeyId`,
        );
        return { 'kinesis:stream': [this.arn(logicalId)], 'kinesis:kmsKey': [this.arn(key)] };
      }
      case 'AWS::Kinesis::StreamConsumer': {
        const stream = this.target(this.property(logicalId, 'StreamARN'), `${logicalId}.StreamARN`);
        return { 'kinesis:consumer': [this.arn(logicalId)], 'kinesis:stream': [this.arn(stream)] };
      }
      case 'AWS::DynamoDB::Table': {
        const table = this.name(logicalId);
        const indexes = asArray(
          this.property(logicalId, 'GlobalSecondaryIndexes') as { IndexName: string }[] | undefined,
        );
        return {
          'dynamodb:table': [this.arn(logicalId)],
          'dynamodb:index': indexes.map(({ IndexName }) =>
            arnFor('dynamodb', 'index', { TableName: table, IndexName }),
          ),
        };
      }
      case 'AWS::SNS::Topic':
        return { 'sns:topic': [this.arn(logicalId)] };
      case 'AWS::SNS::TopicPolicy': {
        const topics = asArray(this.property(logicalId, 'Topics') as unknown[] | undefined);
        return {
          'sns:topic': topics.map((topic, index) => this.arn(this.target(topic, `${logicalId}.Topics[${index}]`))),
        };
      }
      case 'AWS::KMS::Key':
        return { 'kms:key': [this.arn(logicalId)] };
      case 'AWS::IAM::ManagedPolicy':
        return { 'iam:policy': [this.arn(logicalId)] };
      case 'AWS::Athena::WorkGroup': {
        // The handlers check the output location (the schema lists S3 actions for it).
        const output = this.property(logicalId, 'WorkGroupConfiguration.ResultConfiguration.OutputLocation');
        const bucket = this.target(
          refInJoin(output),
          `${logicalId}.WorkGroupConfiguration.ResultConfiguration.OutputLocation`,
        );
        return {
          'athena:workgroup': [this.arn(logicalId)],
          's3:bucket': [this.arn(bucket)],
          's3:object': [arnFor('s3', 'object', { BucketName: this.name(bucket), ObjectName: 'results/query.csv' })],
        };
      }
      case 'AWS::Athena::NamedQuery':
        return {
          'athena:workgroup': [this.arn(this.target(this.property(logicalId, 'WorkGroup'), `${logicalId}.WorkGroup`))],
        };
      case 'AWS::Glue::Database': {
        // Deleting a database deletes its tables and functions: Glue authorizes it on all of them
        // (Athena User Guide, the DROP DATABASE row: table/<database>/*, userDefinedFunction/<database>/*).
        const DatabaseName = this.name(logicalId);
        return {
          'glue:rootcatalog': [arnFor('glue', 'rootcatalog', {})],
          'glue:database': [this.arn(logicalId)],
          'glue:table': [arnFor('glue', 'table', { DatabaseName, TableName: '*' })],
          'glue:userdefinedfunction': [
            arnFor('glue', 'userdefinedfunction', { DatabaseName, UserDefinedFunctionName: '*' }),
          ],
        };
      }
      case 'AWS::Glue::Table': {
        const database = this.target(this.property(logicalId, 'DatabaseName'), `${logicalId}.DatabaseName`);
        return {
          'glue:rootcatalog': [arnFor('glue', 'rootcatalog', {})],
          'glue:database': [this.arn(database)],
          'glue:table': [this.arn(logicalId)],
        };
      }
      case 'AWS::KMS::Alias': {
        const key = this.target(this.property(logicalId, 'TargetKeyId'), `${logicalId}.TargetKeyId`);
        return { 'kms:alias': [this.arn(logicalId)], 'kms:key': [this.arn(key)] };
      }
      case 'AWS::ApiGatewayV2::Api':
        return {
          'apigateway:Api': [this.arn(logicalId)],
          'apigateway:Apis': [arnFor('apigateway', 'Apis', {})],
          'apigateway:Tags': [tagsOf(this.arn(logicalId))],
        };
      case 'AWS::ApiGatewayV2::Authorizer':
        return {
          'apigateway:Authorizer': [`${api()}/authorizers/abc123`],
          'apigateway:Authorizers': [`${api()}/authorizers`],
        };
      case 'AWS::ApiGatewayV2::Integration':
        return {
          'apigateway:Integration': [`${api()}/integrations/abc123`],
          'apigateway:Integrations': [`${api()}/integrations`],
        };
      case 'AWS::ApiGatewayV2::Route':
        return { 'apigateway:Route': [`${api()}/routes/abc123`], 'apigateway:Routes': [`${api()}/routes`] };
      case 'AWS::ApiGatewayV2::Stage': {
        const stage = `${api()}/stages/${String(this.property(logicalId, 'StageName'))}`;
        const arns: Record<string, string[]> = {
          'apigateway:Stage': [stage],
          'apigateway:Stages': [`${api()}/stages`],
          'apigateway:AccessLogSettings': [`${stage}/accesslogsettings`],
          'apigateway:Tags': [tagsOf(stage)],
        };
        const destination = this.property(logicalId, 'AccessLogSettings.DestinationArn');
        if (destination !== undefined) {
          Object.assign(
            arns,
            this.logGroupArns(this.target(destination, `${logicalId}.AccessLogSettings.DestinationArn`)),
          );
        }
        return arns;
      }
      default:
        throw new Error(`No ARN model for ${Type} (${logicalId})`);
    }
  }

  private logGroupArns(logicalId: string): Record<string, string[]> {
    const LogGroupName = this.name(logicalId);
    return {
      'logs:log-group': [this.arn(logicalId)],
      'logs:log-stream': [arnFor('logs', 'log-stream', { LogGroupName, LogStreamName: 'any-stream' })],
    };
  }

  /** Condition keys a handler's requests about this resource carry. */
  context(logicalId: string): Record<string, string> {
    const { Type } = this.resource(logicalId);
    if (Type === 'AWS::Lambda::EventSourceMapping') {
      const fn = this.target(this.property(logicalId, 'FunctionName'), `${logicalId}.FunctionName`);
      return { 'lambda:FunctionArn': this.arn(fn) };
    }
    if (Type === 'AWS::Lambda::Function') return { 'iam:PassedToService': 'lambda.amazonaws.com' };
    return {};
  }

  logicalIdsOfType(type: string): string[] {
    return Object.entries(this.template.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([logicalId]) => logicalId);
  }
}

// ---- what each stage needs

interface Need {
  /** Who needs it, for the failure message. */
  by: string;
  /** The template resource whose handler needs it. */
  logicalId?: string;
  action: string;
  /** ARNs the action must be allowed on, or 'any' when the action's resource is not one this model names. */
  resources: string[] | 'any';
  context: Record<string, string>;
}

/** The requests `action` makes about a resource with these ARNs: one per ARN of each resource type the action acts on. */
const needOf = (by: string, action: string, arns: Record<string, string[]>, context: Record<string, string>): Need => {
  const { name, spec } = requireAction(action);
  const [service] = splitAction(name);
  if (spec.resourceTypes.length === 0) return { by, action: name, resources: ['*'], context };
  const resources = spec.resourceTypes.flatMap((type) => arns[`${service}:${type}`] ?? []);
  return { by, action: name, resources: resources.length > 0 ? resources : 'any', context };
};

const isNotRequired = (type: string, permission: string) =>
  (notRequired[type] ?? []).some(({ permissions }) =>
    permissions.some((listed) => listed.toLowerCase() === permission.toLowerCase()),
  );

const handlerNeeds = (model: StackModel): Need[] => {
  const needs: Need[] = [];
  for (const [logicalId, resource] of Object.entries(model.template.Resources)) {
    const schema = handlers.types[resource.Type];
    if (!schema) throw new Error(`handlers.json has no schema for ${resource.Type}`);
    const arns = model.arns(logicalId);
    const context = model.context(logicalId);
    for (const handler of STACK_HANDLERS) {
      for (const permission of schema.handlers[handler] ?? []) {
        if (isNotRequired(resource.Type, permission)) continue;
        for (const action of resolvePermission(permission).actions) {
          const by = `${logicalId} (${resource.Type}) ${handler} handler: ${permission}`;
          needs.push({ ...needOf(by, action, arns, context), logicalId });
        }
      }
    }
    if (resource.Type === httpApiLogging.appliesTo.type && resource.Properties?.[httpApiLogging.appliesTo.property]) {
      for (const action of httpApiLogging.statements.flatMap(({ actions }) => actions)) {
        needs.push(
          needOf(
            `${logicalId} (${resource.Type}) access logs (apigateway-http-api-logging.json)`,
            action,
            arns,
            context,
          ),
        );
      }
    }
  }
  return needs;
};

const deploymentBucketId = 'ServerlessDeploymentBucket';

const frameworkNeeds = (model: StackModel): Need[] => {
  const stackArn = arnFor('cloudformation', 'stack', { StackName: model.stackName, Id: fakeUuid(model.stackName) });
  const deploymentObject = arnFor('s3', 'object', {
    BucketName: model.name(deploymentBucketId),
    ObjectName: `serverless/kinesis-pipeline/${model.stage}/1735689600000-2025-01-01T00:00:00.000Z/ingest.zip`,
  });
  const targets: Record<FrameworkTarget, string[]> = {
    stack: [stackArn],
    any: ['*'],
    deploymentBucket: [model.arn(deploymentBucketId)],
    deploymentObjects: [deploymentObject],
    functions: model.logicalIdsOfType('AWS::Lambda::Function').map((id) => model.arn(id)),
  };
  const needs = oslsCalls.flatMap(({ operation, actions, target }) =>
    actions.map((action) => ({ by: `osls ${operation}`, action, resources: targets[target], context: {} })),
  );
  const buckets = model.logicalIdsOfType('AWS::S3::Bucket');
  for (const [operation, actions] of Object.entries(removePluginCalls)) {
    for (const action of actions) {
      const { spec } = requireAction(action);
      const resources = action.startsWith('cloudformation:')
        ? [stackArn]
        : buckets.flatMap((bucket) => {
            const arns = model.arns(bucket);
            return spec.resourceTypes.flatMap((type) => arns[`s3:${type}`] ?? []);
          });
      needs.push({ by: `deploy/emptyBucketsOnRemove.cjs ${operation}`, action, resources, context: {} });
    }
  }
  return needs;
};

/** Needs the policy does not meet, one line per action: on which resources, and who needs it. */
const unmet = (policy: Policy, needs: Need[]): string[] => {
  const missing = new Map<string, { resources: Set<string>; by: Set<string> }>();
  const allowsAction = (action: string) =>
    policy.Statement.some(
      ({ Effect, Action }) => Effect === 'Allow' && asArray(Action).some((p) => actionMatches(p, action)),
    );
  for (const need of needs) {
    const refused =
      need.resources === 'any'
        ? allowsAction(need.action)
          ? []
          : ['(any resource)']
        : need.resources.filter(
            (resource) => !isAllowed(policy, { action: need.action, resource, context: need.context }),
          );
    if (refused.length === 0) continue;
    const entry = missing.get(need.action) ?? { resources: new Set<string>(), by: new Set<string>() };
    for (const resource of refused) entry.resources.add(resource);
    entry.by.add(need.by);
    missing.set(need.action, entry);
  }
  const some = (values: Set<string>, count: number) =>
    [...values].slice(0, count).join('; ') + (values.size > count ? ` (and ${values.size - count} more)` : '');
  return [...missing].map(
    ([action, { resources, by }]) => `${action} on ${some(resources, 2)}, needed by ${some(by, 2)}`,
  );
};

const hasPath = (value: unknown, path: string[]): boolean => {
  if (value === undefined || value === null) return false;
  const [head, ...rest] = path;
  if (head === undefined) return true;
  if (head.endsWith('[]')) {
    const items = (value as Record<string, unknown>)[head.slice(0, -2)];
    return Array.isArray(items) && items.some((item) => hasPath(item, rest));
  }
  return hasPath((value as Record<string, unknown>)[head], rest);
};

// ---- the tests

describe("the deploy role's policy in docs/DEPLOYING.md", () => {
  let markdown: string;
  let policies: Policy[];

  beforeAll(async () => {
    markdown = await readDeployingDoc();
    policies = permissionPolicies(markdown);
  });

  const policyTemplate = (): Policy => {
    const [policy] = policies;
    if (!policy) throw new Error('docs/DEPLOYING.md has no ```json block with the deploy role permissions policy');
    return policy;
  };

  it('is one fenced JSON block: an identity policy of named Allow statements, placeholders only where documented', () => {
    expect(policies).toHaveLength(1);
    const policy = policyTemplate();
    expect(policy.Version).toBe('2012-10-17');
    for (const statement of policy.Statement) {
      expect(statement.Sid, JSON.stringify(statement)).toMatch(/^[A-Za-z0-9]+$/);
      expect(statement.Effect, statement.Sid).toBe('Allow');
      expect(statement.NotAction ?? statement.NotResource, statement.Sid).toBeUndefined();
      expect(asArray(statement.Action).length, statement.Sid).toBeGreaterThan(0);
      expect(asArray(statement.Resource).length, statement.Sid).toBeGreaterThan(0);
    }
    const placeholders = new Set(JSON.stringify(policy).match(/<[a-z-]+>/g));
    expect([...placeholders].filter((placeholder) => !PLACEHOLDERS.includes(placeholder))).toEqual([]);
  });

  it('names only IAM actions (Service Authorization Reference)', () => {
    const unknown: string[] = [];
    for (const statement of policyTemplate().Statement) {
      for (const action of asArray(statement.Action)) {
        const [service, pattern] = splitAction(action);
        const names = serviceOf(service).actionNames;
        if (!names) throw new Error(`service-authorization.json needs the complete actionNames of ${service}`);
        if (!names.some((name) => actionMatches(pattern, name))) unknown.push(`${statement.Sid}: ${action}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('conditions only actions that support the condition key in every vendored source (a missing key never matches)', () => {
    const problems: string[] = [];
    for (const statement of policyTemplate().Statement) {
      if (!statement.Condition) continue;
      const keys = Object.values(statement.Condition).flatMap((block) => Object.keys(block));
      for (const action of asArray(statement.Action)) {
        if (/[*?]/.test(action)) {
          problems.push(`${statement.Sid}: ${action} is a wildcard under a condition; name the actions`);
          continue;
        }
        for (const key of keys) {
          const support = conditionKeySupport(action, key);
          if (!support.supported)
            problems.push(`${statement.Sid}: ${action} does not support ${key} according to ${support.source}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents <generated> by the rule the policy is checked with', () => {
    const rows = [...markdown.matchAll(/^\s*\| `([a-z0-9-]+)` \| `(kinesis-pipeline-[a-z0-9-]*)` \|$/gm)];
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const [, stage = '', prefix] of rows) expect(prefix, stage).toBe(documentedGeneratedPrefix(stage));
    expect(rows.some(([, stage = '']) => stage.length > 8)).toBe(true);
  });

  it('fits IAM inline policy size for every stage checked', () => {
    for (const stage of [...PACKAGED_STAGES, ...EXTRA_NAMING_STAGES]) {
      const size = JSON.stringify(fillPlaceholders(policyTemplate(), stage)).replace(/\s/g, '').length;
      expect(size, stage).toBeLessThanOrEqual(ROLE_INLINE_POLICY_LIMIT);
    }
  });

  describe('against the compiled templates', () => {
    let packaged: PackagedStage[];

    beforeAll(async () => {
      packaged = await Promise.all([
        ...PACKAGED_STAGES.map((stage) => packageStage(stage)),
        packageStage('ci', SHARED_READS_ARGS),
      ]);
    });

    const modelOf = (stage: string) => {
      const found = packaged.find((entry) => entry.stage === stage && entry.args.length === 0);
      if (!found) throw new Error(`${stage} was not packaged`);
      return new StackModel(stage, found.template);
    };

    it('has a vendored schema with handler permissions for every resource type', () => {
      const types = new Set(
        packaged.flatMap(({ template }) => Object.values(template.Resources).map(({ Type }) => Type)),
      );
      const missing = [...types].filter((type) => !handlers.types[type]?.handlers.create);
      expect(missing).toEqual([]);
    });

    it('resolves every permission a schema lists to IAM actions, but the names the reference does not know', () => {
      const types = new Set(
        packaged.flatMap(({ template }) => Object.values(template.Resources).map(({ Type }) => Type)),
      );
      const unknown = new Set<string>();
      for (const type of types) {
        for (const permission of Object.values(handlers.types[type]?.handlers ?? {}).flat()) {
          if (resolvePermission(permission).kind === 'unknown') unknown.add(permission.toLowerCase());
        }
      }
      const documented = Object.entries(sar).flatMap(([service, { neitherActionNorOperation = [] }]) =>
        neitherActionNorOperation.map((name) => `${service}:${name}`.toLowerCase()),
      );
      expect([...unknown].sort()).toEqual(documented.sort());
    });

    it.each(PACKAGED_STAGES)(
      "allows every action the resources' create, read, update and delete handlers need (%s)",
      (stage) => {
        const model = modelOf(stage);
        const needs = handlerNeeds(model);
        // Each resource's own ARN is checked, not only the action: the ARN model covers every type.
        const checkedOnOwnArn = new Set(
          needs
            .filter(({ resources }) => resources !== 'any' && !resources.includes('*'))
            .map((need) => need.logicalId),
        );
        expect(Object.keys(model.template.Resources).filter((id) => !checkedOnOwnArn.has(id))).toEqual([]);
        expect(unmet(fillPlaceholders(policyTemplate(), stage), needs)).toEqual([]);
      },
    );

    it('allows every action a stage with every consumer on shared throughput needs (ci)', () => {
      const shared = packaged.find((entry) => entry.args === SHARED_READS_ARGS);
      if (!shared) throw new Error('the shared-throughput variant was not packaged');
      const model = new StackModel('ci', shared.template);
      expect(model.logicalIdsOfType('AWS::Kinesis::StreamConsumer')).toEqual([]);
      const policy = fillPlaceholders(policyTemplate(), 'ci');
      expect(unmet(policy, [...handlerNeeds(model), ...frameworkNeeds(model)])).toEqual([]);
    });

    it.each(PACKAGED_STAGES)('allows what osls and the remove plugin call (%s)', (stage) => {
      const model = modelOf(stage);
      expect(unmet(fillPlaceholders(policyTemplate(), stage), frameworkNeeds(model))).toEqual([]);
    });

    it('matches the names CloudFormation generates, for short and long stages', () => {
      const base = modelOf('ci');
      const createActions: Record<string, string> = {
        'AWS::S3::Bucket': 's3:CreateBucket',
        'AWS::IAM::Role': 'iam:CreateRole',
        'AWS::Events::Rule': 'events:PutRule',
        'AWS::CloudWatch::Alarm': 'cloudwatch:PutMetricAlarm',
      };
      const unmatched: string[] = [];
      let generated = 0;
      for (const stage of [...PACKAGED_STAGES, ...EXTRA_NAMING_STAGES]) {
        const model = packaged.some((entry) => entry.stage === stage)
          ? modelOf(stage)
          : new StackModel(stage, base.template);
        const policy = fillPlaceholders(policyTemplate(), stage);
        for (const [type, action] of Object.entries(createActions)) {
          for (const logicalId of model.logicalIdsOfType(type)) {
            if (model.resource(logicalId).Properties?.[nameProperty[type] ?? ''] !== undefined) continue;
            generated += 1;
            const arn = model.arn(logicalId);
            if (!isAllowed(policy, { action, resource: arn, context: {} })) {
              unmatched.push(
                `${stage}: ${logicalId} is named ${model.name(logicalId)}; no statement allows ${action} on ${arn}`,
              );
            }
          }
        }
      }
      expect(generated).toBeGreaterThan(0);
      expect(unmatched).toEqual([]);
    });

    it('leaves out only features no resource uses (each tied to the property that would need it)', () => {
      const problems: string[] = [];
      for (const [type, entries] of Object.entries(notRequired)) {
        const listed = Object.values(handlers.types[type]?.handlers ?? {})
          .flat()
          .map((permission) => permission.toLowerCase());
        for (const { permissions, properties } of entries) {
          for (const permission of permissions) {
            if (!listed.includes(permission.toLowerCase()))
              problems.push(`${type}: the schema no longer lists ${permission}`);
          }
          for (const { stage, template } of packaged) {
            for (const [logicalId, resource] of Object.entries(template.Resources)) {
              if (resource.Type !== type) continue;
              for (const property of properties) {
                if (hasPath(resource.Properties, property.split('.'))) {
                  problems.push(
                    `${stage}: ${logicalId} sets ${property}; grant ${permissions.join(', ')} (see docs/DEPLOYING.md)`,
                  );
                }
              }
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });

  it("names osls's calls by the operations the reference maps to those actions, at the places osls makes them", async () => {
    const problems: string[] = [];
    for (const { operation, actions, files, evidence } of oslsCalls) {
      const authorized = findOperation(operation);
      if (!authorized) problems.push(`${operation} is not an operation in service-authorization.json`);
      for (const action of actions) {
        if (!authorized?.some((entry) => entry.toLowerCase() === action.toLowerCase())) {
          problems.push(`${operation} does not authorize ${action}`);
        }
      }
      const call = evidence ?? `new ${splitAction(operation)[1]}Command`;
      const sources = await Promise.all(files.map((file) => readFile(join(oslsDir, file), 'utf8')));
      for (const [index, source] of sources.entries()) {
        if (!source.includes(call)) problems.push(`${call} is not in osls's ${files[index]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('covers every AWS SDK command deploy/emptyBucketsOnRemove.cjs sends', async () => {
    const source = await readFile(join(repoRoot, 'deploy', 'emptyBucketsOnRemove.cjs'), 'utf8');
    const commands = [...source.matchAll(/const \{([^}]*)\} = require\('@aws-sdk\/client-([a-z0-9-]+)'\)/g)].flatMap(
      ([, names = '', client]) =>
        names
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name.endsWith('Command'))
          .map((name) => `${client}:${name.slice(0, -'Command'.length)}`),
    );
    expect(commands.sort()).toEqual(Object.keys(removePluginCalls).sort());
    for (const [operation, actions] of Object.entries(removePluginCalls)) {
      const authorized = findOperation(operation) ?? [];
      for (const action of actions) expect(authorized, operation).toContain(action);
    }
  });

  it('models generated names as the names real stacks received', () => {
    for (const { type, stackName, logicalIdStartsWith, logicalIdIsComplete, name } of physicalNames.observed) {
      const logicalId = logicalIdIsComplete ? logicalIdStartsWith : `${logicalIdStartsWith}ABCDEF12`;
      const tail = name.slice(-physicalNames.form.randomCharacters);
      expect(generatedName(stackName, logicalId, type, tail), `${type} ${name}`).toBe(name);
    }
  });
});
