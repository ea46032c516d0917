import { isRecord } from '../isRecord.ts';
import { asArray, asBoolean, asNumber, asOneOf, asString, asStringArray } from './cfn.ts';
import { TemplateError } from './errors.ts';
import type { LocalStack } from './localStack.ts';
import type { LocalEventSourceMapping, LocalFunction, LocalStream, LocalStreamConsumer } from './model.ts';
import { functionFor } from './readFunctions.ts';

/**
 * Lambda's defaults for a Kinesis mapping when the template leaves a setting out
 * (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html). -1 means
 * "forever" / "no limit" for retries and record age.
 */
const KINESIS_MAPPING_DEFAULTS = Object.freeze({
  BatchSize: 100,
  MaximumBatchingWindowInSeconds: 0,
  ParallelizationFactor: 1,
  BisectBatchOnFunctionError: false,
  MaximumRetryAttempts: -1,
  MaximumRecordAgeInSeconds: -1,
  TumblingWindowInSeconds: 0,
  Enabled: true,
});

/** Kinesis mappings must name one; CloudFormation rejects the template otherwise. */
const STARTING_POSITIONS = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'] as const;

export interface MappingSources {
  functions: readonly LocalFunction[];
  streams: readonly LocalStream[];
  consumers: readonly LocalStreamConsumer[];
}

/**
 * The Kinesis AWS::Lambda::EventSourceMapping resources, every setting read (or defaulted as Lambda
 * does). The source is matched by its resolved EventSourceArn: a stream ARN for shared-throughput
 * reads, a consumer ARN for enhanced fan-out. Mappings of other sources (SQS, DynamoDB streams) are
 * not Kinesis mappings and are left out.
 *
 * @example
 * readEventSourceMappings(stack, { functions, streams, consumers });
 * // [{ logicalId: 'ArchiveMapping', functionLogicalId: 'ArchiveLambdaFunction', consumerLogicalId: 'ArchiveConsumer', batchSize: 100, ... }]
 */
export function readEventSourceMappings(stack: LocalStack, sources: MappingSources): LocalEventSourceMapping[] {
  const consumerArns = new Map(sources.consumers.map((c) => [stack.getAtt(c.logicalId, 'ConsumerARN'), c]));
  return stack.resourcesOfType('AWS::Lambda::EventSourceMapping').flatMap((logicalId) => {
    const at = (name: string) => stack.propertyPath(logicalId, name);
    const read = (name: string) => stack.property(logicalId, name);
    const sourceArn = asString(read('EventSourceArn'), at('EventSourceArn'));
    if (!/^arn:[^:]+:kinesis:/.test(sourceArn)) return [];
    const consumer = consumerArns.get(sourceArn);
    const stream = sources.streams.find((s) => s.arn === sourceArn || s.logicalId === consumer?.streamLogicalId);
    if (stream === undefined) throw new TemplateError(at('EventSourceArn'), `${sourceArn} is not in this template`);

    const number = (name: keyof typeof KINESIS_MAPPING_DEFAULTS) => {
      const value = read(name);
      return value === undefined ? (KINESIS_MAPPING_DEFAULTS[name] as number) : asNumber(value, at(name));
    };
    const flag = (name: keyof typeof KINESIS_MAPPING_DEFAULTS) => {
      const value = read(name);
      return value === undefined ? (KINESIS_MAPPING_DEFAULTS[name] as boolean) : asBoolean(value, at(name));
    };
    const timestamp = read('StartingPositionTimestamp');
    const responseTypes = read('FunctionResponseTypes');
    const mapping: LocalEventSourceMapping = {
      logicalId,
      functionLogicalId: functionFor(
        sources.functions,
        asString(read('FunctionName'), at('FunctionName')),
        at('FunctionName'),
      ).logicalId,
      streamLogicalId: stream.logicalId,
      ...(consumer === undefined ? {} : { consumerLogicalId: consumer.logicalId }),
      batchSize: number('BatchSize'),
      maximumBatchingWindowInSeconds: number('MaximumBatchingWindowInSeconds'),
      startingPosition: asOneOf(read('StartingPosition'), STARTING_POSITIONS, at('StartingPosition')),
      ...(timestamp === undefined
        ? {}
        : { startingPositionTimestamp: asNumber(timestamp, at('StartingPositionTimestamp')) }),
      parallelizationFactor: number('ParallelizationFactor'),
      bisectBatchOnFunctionError: flag('BisectBatchOnFunctionError'),
      maximumRetryAttempts: number('MaximumRetryAttempts'),
      maximumRecordAgeInSeconds: number('MaximumRecordAgeInSeconds'),
      tumblingWindowInSeconds: number('TumblingWindowInSeconds'),
      functionResponseTypes:
        responseTypes === undefined ? [] : asStringArray(responseTypes, at('FunctionResponseTypes')),
      filterPatterns: filterPatterns(read('FilterCriteria'), at('FilterCriteria')),
      enabled: flag('Enabled'),
    };
    const onFailure = onFailureDestination(read('DestinationConfig'), at('DestinationConfig'));
    return [onFailure === undefined ? mapping : { ...mapping, onFailureDestinationArn: onFailure }];
  });
}

function filterPatterns(criteria: unknown, path: string): string[] {
  if (criteria === undefined) return [];
  if (!isRecord(criteria)) throw new TemplateError(path, 'expected an object');
  const filters = criteria.Filters === undefined ? [] : asArray(criteria.Filters, `${path}.Filters`);
  return filters.map((filter, i) => {
    const pattern = isRecord(filter) ? filter.Pattern : undefined;
    return asString(pattern, `${path}.Filters[${i}].Pattern`);
  });
}

function onFailureDestination(config: unknown, path: string): string | undefined {
  if (config === undefined) return undefined;
  const onFailure = isRecord(config) ? config.OnFailure : undefined;
  if (onFailure === undefined) return undefined;
  const destination = isRecord(onFailure) ? onFailure.Destination : undefined;
  return asString(destination, `${path}.OnFailure.Destination`);
}
