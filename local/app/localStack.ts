import { asString, type CfnTemplate } from './cfn.ts';
import { TemplateError } from './errors.ts';
import { evaluateCondition, type IntrinsicScope, NO_VALUE, resolveIntrinsics } from './intrinsics.ts';
import { generatedName, type ResourceContext, resourceKind, stableToken } from './physicalIds.ts';

export interface LocalStackOptions {
  region: string;
  accountId: string;
  stackName: string;
}

/** A template bound to a local region, account and stack name: every value resolvable on demand. */
export interface LocalStack {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  /** Logical ids of the resources of `type` that exist (their `Condition`, if any, holds). */
  resourcesOfType(type: string): string[];
  /** Whether the named condition of the template's `Conditions` holds (evaluated once, then cached). */
  condition(name: string): boolean;
  /** A property with its intrinsic functions resolved; undefined when absent or AWS::NoValue. */
  property(logicalId: string, name: string): unknown;
  /** Where a property sits in the template, for error messages. */
  propertyPath(logicalId: string, name: string): string;
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): string;
  /** Resolves any value (an Output, a nested property) in this stack. */
  resolve(value: unknown, path: string): unknown;
}

/**
 * Binds `template` to a local region, account and stack name. Values are resolved lazily, so an
 * intrinsic the local runtime cannot evaluate only fails when something it needs depends on it.
 *
 * @example
 * const stack = createLocalStack(template, { region: 'us-east-1', accountId: '000000000000', stackName: 'kinesis-pipeline-local' });
 * stack.getAtt('Stream', 'Arn'); // 'arn:aws:kinesis:us-east-1:000000000000:stream/kinesis-pipeline-local-events'
 */
export function createLocalStack(template: CfnTemplate, options: LocalStackOptions): LocalStack {
  const { region, accountId, stackName } = options;
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const urlSuffix = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  const pseudoParameters: Readonly<Record<string, unknown>> = {
    'AWS::Region': region,
    'AWS::AccountId': accountId,
    'AWS::Partition': partition,
    'AWS::StackName': stackName,
    'AWS::StackId': `arn:${partition}:cloudformation:${region}:${accountId}:stack/${stackName}/${stableToken(stackName, 8)}`,
    'AWS::URLSuffix': urlSuffix,
    'AWS::NotificationARNs': [],
    'AWS::NoValue': NO_VALUE,
  };
  const conditions = new Map<string, boolean>();
  const names = new Map<string, string>();
  // Guards against a name or condition that (indirectly) depends on itself.
  const inProgress = new Set<string>();

  const once = <T>(key: string, path: string, compute: () => T): T => {
    if (inProgress.has(key)) throw new TemplateError(path, `circular dependency through ${key}`);
    inProgress.add(key);
    try {
      return compute();
    } finally {
      inProgress.delete(key);
    }
  };

  const existing = (logicalId: string, path: string) => {
    const resource = template.Resources[logicalId];
    if (resource === undefined) throw new TemplateError(path, `no resource or parameter named ${logicalId}`);
    if (resource.Condition !== undefined && !scope.condition(resource.Condition, `Resources.${logicalId}.Condition`)) {
      throw new TemplateError(path, `${logicalId} is not created: its condition ${resource.Condition} is false`);
    }
    return resource;
  };

  const propertyPath = (logicalId: string, name: string) => `Resources.${logicalId}.Properties.${name}`;
  const property = (logicalId: string, name: string): unknown => {
    const raw = template.Resources[logicalId]?.Properties?.[name];
    const value = resolveIntrinsics(raw, scope, propertyPath(logicalId, name));
    return value === NO_VALUE ? undefined : value;
  };

  const context = (logicalId: string, type: string): ResourceContext => ({
    logicalId,
    region,
    accountId,
    partition,
    urlSuffix,
    name: () => physicalName(logicalId, type),
    stringProperty: (name) => {
      const value = property(logicalId, name);
      return value === undefined ? undefined : asString(value, propertyPath(logicalId, name));
    },
    token: (length, alphabet) => stableToken(`${stackName}/${logicalId}`, length, alphabet),
  });

  const physicalName = (logicalId: string, type: string): string => {
    const known = names.get(logicalId);
    if (known !== undefined) return known;
    const nameProperty = resourceKind(type).nameProperty;
    const path = propertyPath(logicalId, nameProperty ?? 'Name');
    const name = once(`the name of ${logicalId}`, path, () => {
      const explicit = nameProperty === undefined ? undefined : property(logicalId, nameProperty);
      return explicit === undefined ? generatedName(stackName, logicalId, type) : asString(explicit, path);
    });
    names.set(logicalId, name);
    return name;
  };

  const scope: IntrinsicScope = {
    ref(name, path) {
      if (Object.hasOwn(pseudoParameters, name)) return pseudoParameters[name];
      const parameter = template.Parameters?.[name];
      if (parameter !== undefined) {
        if (parameter.Default === undefined) throw new TemplateError(path, `parameter ${name} has no Default`);
        return parameter.Default;
      }
      const resource = existing(name, path);
      return resourceKind(resource.Type).ref(context(name, resource.Type));
    },
    getAtt(logicalId, attribute, path) {
      const resource = existing(logicalId, path);
      const read = resourceKind(resource.Type).attributes[attribute];
      if (read === undefined) {
        throw new TemplateError(
          path,
          `Fn::GetAtt ${logicalId}.${attribute} (${resource.Type}) is not available locally`,
        );
      }
      return read(context(logicalId, resource.Type));
    },
    condition(name, path) {
      const known = conditions.get(name);
      if (known !== undefined) return known;
      const expression = template.Conditions?.[name];
      if (expression === undefined) throw new TemplateError(path, `no condition named ${name}`);
      const holds = once(`condition ${name}`, path, () => evaluateCondition(expression, scope, `Conditions.${name}`));
      conditions.set(name, holds);
      return holds;
    },
    findInMap(mapName, topKey, secondKey, path) {
      const value = template.Mappings?.[mapName]?.[topKey]?.[secondKey];
      if (value === undefined)
        throw new TemplateError(path, `Mappings.${mapName}.${topKey}.${secondKey} does not exist`);
      return value;
    },
  };

  return {
    region,
    accountId,
    stackName,
    resourcesOfType: (type) =>
      Object.entries(template.Resources)
        .filter(([, resource]) => resource.Type === type)
        .filter(
          ([id, resource]) =>
            resource.Condition === undefined || scope.condition(resource.Condition, `Resources.${id}.Condition`),
        )
        .map(([id]) => id),
    condition: (name) => scope.condition(name, `Conditions.${name}`),
    property,
    propertyPath,
    ref: (logicalId) => asString(scope.ref(logicalId, `Ref ${logicalId}`), `Ref ${logicalId}`),
    getAtt: (logicalId, attribute) =>
      asString(scope.getAtt(logicalId, attribute, `${logicalId}.${attribute}`), `${logicalId}.${attribute}`),
    resolve: (value, path) => {
      const resolved = resolveIntrinsics(value, scope, path);
      return resolved === NO_VALUE ? undefined : resolved;
    },
  };
}
