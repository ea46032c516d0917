import type { LocalEventSourceMapping } from '../app/model.ts';
import { EventSourceMappingConfigError } from './errors.ts';

/**
 * The ranges Lambda accepts for a Kinesis mapping, checked once at start so that a template value
 * AWS would reject fails here too, with the setting's name.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html
 */
const RANGES = Object.freeze({
  batchSize: [1, 10_000],
  maximumBatchingWindowInSeconds: [0, 300],
  parallelizationFactor: [1, 10],
  maximumRetryAttempts: [-1, 10_000],
  tumblingWindowInSeconds: [0, 900],
} as const);

/** MaximumRecordAgeInSeconds is -1 (forever) or 60..604,800. */
const RECORD_AGE_RANGE = [60, 604_800] as const;

export const REPORT_BATCH_ITEM_FAILURES = 'ReportBatchItemFailures';

/** The mapping's settings in the units the runtime uses. */
export interface MappingSettings {
  batchSize: number;
  batchingWindowMs: number;
  /** 1 when tumbling windows are on: a window's state is per shard, so its batches stay in order. */
  lanes: number;
  bisect: boolean;
  /** -1: forever. */
  maxRetries: number;
  /** -1: forever. */
  maxRecordAgeMs: number;
  tumblingWindowMs: number;
  reportBatchItemFailures: boolean;
}

/**
 * Validates a mapping's settings and converts them.
 *
 * @example
 * const settings = resolveSettings(mapping); // throws EventSourceMappingConfigError on a bad value
 */
export function resolveSettings(mapping: LocalEventSourceMapping): MappingSettings {
  for (const [name, [min, max]] of Object.entries(RANGES)) {
    const value = mapping[name as keyof typeof RANGES];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw configError(mapping, `${pascal(name)} must be an integer in ${min}..${max}, got ${value}`);
    }
  }
  const age = mapping.maximumRecordAgeInSeconds;
  if (age !== -1 && !(Number.isInteger(age) && age >= RECORD_AGE_RANGE[0] && age <= RECORD_AGE_RANGE[1])) {
    throw configError(mapping, `MaximumRecordAgeInSeconds must be -1 or ${RECORD_AGE_RANGE.join('..')}, got ${age}`);
  }
  if (mapping.startingPosition === 'AT_TIMESTAMP' && mapping.startingPositionTimestamp === undefined) {
    throw configError(mapping, 'StartingPositionTimestamp is required with StartingPosition AT_TIMESTAMP');
  }
  const tumbling = mapping.tumblingWindowInSeconds > 0;
  return {
    batchSize: mapping.batchSize,
    batchingWindowMs: mapping.maximumBatchingWindowInSeconds * 1000,
    lanes: tumbling ? 1 : mapping.parallelizationFactor,
    bisect: mapping.bisectBatchOnFunctionError,
    maxRetries: mapping.maximumRetryAttempts,
    maxRecordAgeMs: age === -1 ? -1 : age * 1000,
    tumblingWindowMs: mapping.tumblingWindowInSeconds * 1000,
    reportBatchItemFailures: mapping.functionResponseTypes.includes(REPORT_BATCH_ITEM_FAILURES),
  };
}

export function configError(mapping: LocalEventSourceMapping, message: string): EventSourceMappingConfigError {
  return new EventSourceMappingConfigError(`Event source mapping ${mapping.logicalId}: ${message}`);
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
