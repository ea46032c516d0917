import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asTemplate } from '../../local/app/cfn.ts';
import { NO_VALUE } from '../../local/app/intrinsics.ts';
import { createLocalStack } from '../../local/app/localStack.ts';
import { runServerlessPackage } from '../../local/app/runServerless.ts';
import { readServiceInputs, writeServiceInputs } from '../../local/app/serviceInputs.ts';

/** Packaging takes seconds; the limit turns a stuck build into a failure with its output. */
const packageTimeoutMs = 60_000;

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const serverlessBin = join(repoRoot, 'node_modules', '.bin', 'serverless');

export interface CfnResource {
  Type: string;
  /** The template condition that must hold for CloudFormation to create it. */
  Condition?: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** A statement together with the logical id of the role or policy resource that holds it. */
export interface OwnedStatement {
  owner: string;
  statement: PolicyStatement;
}

export interface PackagedService {
  template: CfnTemplate;
  /** The create template: what the framework deploys first (its deployment bucket alone). */
  createTemplate: CfnTemplate;
  /** Removes the temporary package directory (and the copy of the service, if any). */
  cleanup: () => Promise<void>;
}

export interface PackageOptions {
  /**
   * Package a copy of the service, made under .local/ (inside the repository, so it finds
   * node_modules), instead of the repository itself. osls and serverless-esbuild write to fixed
   * folders of the service directory, so packagings of the repository must run one after the other
   * (stack.test.ts runs its own in turn); each copy is a directory of its own, so test files that
   * package copies run beside it.
   */
  inCopy?: boolean;
  /** Hard limit for the run; 60 s unless given. */
  timeoutMs?: number;
}

/**
 * Runs `serverless package` into a temporary directory and returns the compiled templates,
 * through the same runner as the local runtime: AWS credentials stripped from the environment (so
 * the run also proves packaging needs no AWS account) and osls's hang after a failed build handled.
 *
 * @example
 * const { template, cleanup } = await packageService('ci', ['--param', 'streamMode=PROVISIONED']);
 * const copy = await packageService('prod', [], { inCopy: true });
 */
export const packageService = async (
  stage: string,
  extraArgs: readonly string[] = [],
  options: PackageOptions = {},
): Promise<PackagedService> => {
  const temporary: string[] = [];
  const cleanup = async () => {
    for (const dir of temporary) await rm(dir, { recursive: true, force: true });
  };
  try {
    let serviceDir = repoRoot;
    if (options.inCopy) {
      const copiesDir = join(repoRoot, '.local', 'template-test');
      await mkdir(copiesDir, { recursive: true });
      serviceDir = await mkdtemp(join(copiesDir, `${stage}-`));
      temporary.push(serviceDir);
      await writeServiceInputs(await readServiceInputs(repoRoot), serviceDir);
    }
    const packageDir = await mkdtemp(join(tmpdir(), 'kinesis-pipeline-package-'));
    temporary.push(packageDir);
    await runServerlessPackage({
      bin: serverlessBin,
      serviceDir,
      packageDir,
      stage,
      extraArgs,
      timeoutMs: options.timeoutMs ?? packageTimeoutMs,
    });
    const read = async (file: string) => JSON.parse(await readFile(join(packageDir, file), 'utf8')) as CfnTemplate;
    return {
      template: await read('cloudformation-template-update-stack.json'),
      createTemplate: await read('cloudformation-template-create-stack.json'),
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
};

export const asArray = <T>(value: T | T[] | undefined): T[] => {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
};

export const resource = (template: CfnTemplate, logicalId: string): CfnResource => {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`Resource ${logicalId} is missing from the template`);
  return found;
};

/** Properties of a resource, typed by the caller for the fields a test reads. */
export const propertiesOf = <T>(template: CfnTemplate, logicalId: string): T =>
  (resource(template, logicalId).Properties ?? {}) as T;

export const resourcesOfType = (template: CfnTemplate, type: string): [string, CfnResource][] =>
  Object.entries(template.Resources).filter(([, candidate]) => candidate.Type === type);

/** Every statement of every inline role policy and standalone policy resource in the template. */
export const policyStatements = (template: CfnTemplate): OwnedStatement[] => {
  const statements: OwnedStatement[] = [];
  for (const [logicalId, candidate] of Object.entries(template.Resources)) {
    const documents: unknown[] = [];
    if (candidate.Type === 'AWS::IAM::Role') {
      const policies = asArray(candidate.Properties?.Policies as { PolicyDocument: unknown }[] | undefined);
      documents.push(...policies.map((policy) => policy.PolicyDocument));
    } else if (candidate.Type === 'AWS::IAM::Policy' || candidate.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push(candidate.Properties?.PolicyDocument);
    }
    for (const document of documents) {
      const { Statement } = document as { Statement: PolicyStatement | PolicyStatement[] };
      for (const statement of asArray(Statement)) statements.push({ owner: logicalId, statement });
    }
  }
  return statements;
};

/** The resource types whose policy a `resourcePolicyStatements` entry comes from. */
export type ResourcePolicyKind =
  | 'AWS::KMS::Key'
  | 'AWS::S3::BucketPolicy'
  | 'AWS::SNS::TopicPolicy'
  | 'AWS::SQS::QueuePolicy';

/** A statement of a resource policy: who else may act on a resource, rather than what a role may do. */
export interface ResourcePolicyStatement extends OwnedStatement {
  kind: ResourcePolicyKind;
}

/**
 * Every statement of every resource policy in the template: KMS key policies, bucket, topic and
 * queue policies. Unlike identity policies they name principals, and `Resource: '*'` in a key
 * policy means "this key".
 *
 * @example
 * resourcePolicyStatements(template).filter(({ kind }) => kind === 'AWS::KMS::Key');
 */
export const resourcePolicyStatements = (template: CfnTemplate): ResourcePolicyStatement[] => {
  const documentProperty: Record<ResourcePolicyKind, string> = {
    'AWS::KMS::Key': 'KeyPolicy',
    'AWS::S3::BucketPolicy': 'PolicyDocument',
    'AWS::SNS::TopicPolicy': 'PolicyDocument',
    'AWS::SQS::QueuePolicy': 'PolicyDocument',
  };
  const statements: ResourcePolicyStatement[] = [];
  for (const [logicalId, candidate] of Object.entries(template.Resources)) {
    if (!Object.hasOwn(documentProperty, candidate.Type)) continue;
    const kind = candidate.Type as ResourcePolicyKind;
    const document = candidate.Properties?.[documentProperty[kind]] as { Statement?: unknown } | undefined;
    if (!document?.Statement) throw new Error(`${logicalId} (${kind}) has no policy document`);
    for (const statement of asArray(document.Statement as PolicyStatement | PolicyStatement[])) {
      statements.push({ owner: logicalId, kind, statement });
    }
  }
  return statements;
};

/**
 * A readable string for an ARN in a policy, intrinsics flattened: `Fn::GetAtt` as `<Id.Attr>`,
 * `Ref` as `<Id>`, `Fn::Sub` as its text, `Fn::Join` concatenated. Wildcards stay visible.
 *
 * @example
 * flattenArn({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ArchiveBucket', 'Arn'] }, '/events/*']] }); // '<ArchiveBucket.Arn>/events/*'
 */
export const flattenArn = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  const intrinsic = value as Record<string, unknown>;
  const getAtt = intrinsic['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
  if (typeof intrinsic.Ref === 'string') return `<${intrinsic.Ref}>`;
  const sub = intrinsic['Fn::Sub'];
  if (typeof sub === 'string') return sub;
  if (Array.isArray(sub) && typeof sub[0] === 'string') return sub[0];
  const join = intrinsic['Fn::Join'];
  if (Array.isArray(join) && Array.isArray(join[1])) return join[1].map(flattenArn).join(String(join[0]));
  return JSON.stringify(value);
};

/**
 * A value built from literals only (`Fn::Join`, `Fn::Split`), evaluated; anything else as it is.
 *
 * @example
 * literalOf({ 'Fn::Join': ['_', { 'Fn::Split': ['-', 'kinesis_pipeline_prod-eu'] }] }); // 'kinesis_pipeline_prod_eu'
 */
export const literalOf = (value: unknown): unknown => {
  const intrinsic = value as { 'Fn::Join'?: unknown; 'Fn::Split'?: unknown } | null;
  const join = intrinsic?.['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string') {
    const parts = literalOf(join[1]);
    if (Array.isArray(parts) && parts.every((part) => typeof part === 'string')) return parts.join(join[0]);
  }
  const split = intrinsic?.['Fn::Split'];
  if (Array.isArray(split) && typeof split[0] === 'string') {
    const text = literalOf(split[1]);
    if (typeof text === 'string') return text.split(split[0]);
  }
  return value;
};

/**
 * The one `Ref` among the parts of an `Fn::Join` (`s3://<bucket>/prefix/`), or the value itself.
 *
 * @example
 * refInJoin({ 'Fn::Join': ['', ['s3://', { Ref: 'SqlResultsBucket' }, '/results/']] }); // { Ref: 'SqlResultsBucket' }
 */
export const refInJoin = (value: unknown): unknown => {
  const join = (value as { 'Fn::Join'?: unknown } | null)?.['Fn::Join'];
  if (!Array.isArray(join) || !Array.isArray(join[1])) return value;
  const refs = join[1].filter((part) => typeof (part as { Ref?: unknown } | null)?.Ref === 'string');
  return refs.length === 1 ? refs[0] : value;
};

/** Logical id named by `{ 'Fn::GetAtt': [id, attribute] }`, or undefined for anything else. */
export const getAttTarget = (value: unknown): string | undefined => {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
};

/**
 * The template as CloudFormation would create it: resources and outputs whose `Condition` is false
 * left out (and `Condition` dropped from the others), every `Fn::If` replaced by the branch its
 * condition picks, and `Ref: AWS::NoValue` removed with the property or list item that holds it.
 * Every other intrinsic (`Ref`, `Fn::GetAtt`, `Fn::Sub`, ...) stays as written, so the tests keep
 * reading their raw shapes. Conditions are evaluated by the local runtime's evaluator
 * (local/app/intrinsics.ts through createLocalStack), the one that decides what `npm start` creates;
 * a condition on something only AWS knows (an account's resources) would fail there, loudly.
 *
 * @example
 * const template = applyConditions(packaged.template);
 * template.Resources.ArchiveStreamConsumer; // undefined with --param archiveStreamReads=shared
 */
export const applyConditions = (template: CfnTemplate): CfnTemplate => {
  const stack = createLocalStack(asTemplate(template), {
    region: 'us-east-1',
    accountId: '123456789012',
    stackName: 'kinesis-pipeline-template-test',
  });
  const holds = (condition: unknown) => condition === undefined || stack.condition(String(condition));
  const pick = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(pick).filter((item) => item !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [only] = entries;
    if (entries.length === 1 && only?.[0] === 'Ref' && only[1] === 'AWS::NoValue') return NO_VALUE;
    if (entries.length === 1 && only?.[0] === 'Fn::If') {
      const [condition, whenTrue, whenFalse] = only[1] as [string, unknown, unknown];
      return pick(holds(condition) ? whenTrue : whenFalse);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, pick(item)]).filter(([, item]) => item !== NO_VALUE));
  };
  const kept = <T extends { Condition?: unknown }>(entries: Record<string, T>): Record<string, T> =>
    Object.fromEntries(
      Object.entries(entries)
        .filter(([, entry]) => holds(entry.Condition))
        .map(([id, { Condition: _decided, ...entry }]) => [id, pick(entry) as T]),
    );
  return {
    ...template,
    Resources: kept(template.Resources),
    ...(template.Outputs === undefined ? {} : { Outputs: kept(template.Outputs) }),
  };
};
