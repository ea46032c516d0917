import { SHARD_LEVEL_METRICS } from '../engine/limits.ts';
/**
 * The data model of the member constraints of Kinesis requests, and the shapes the operations share,
 * as the API reference states them (Type, Length Constraints, Pattern, Valid Range, Valid Values).
 * `operationInputs.ts` assembles them per operation; `readInput.ts` checks requests against them.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_Types.html
 */

export interface StringShape {
  readonly type: 'string';
  readonly min?: number;
  readonly max?: number;
  /** Anchored at both ends when built with `pattern()`; `source` is the text AWS quotes. */
  readonly pattern?: { readonly regex: RegExp; readonly source: string };
  readonly enum?: readonly string[];
}
export interface IntegerShape {
  readonly type: 'integer';
  readonly min?: number;
  readonly max?: number;
}
export interface BooleanShape {
  readonly type: 'boolean';
}
/** Base64 in JSON, a byte string in CBOR; lengths count decoded bytes. */
export interface BlobShape {
  readonly type: 'blob';
  readonly min?: number;
  readonly max?: number;
}
/** Epoch seconds (a number, ms as the fraction) in JSON; ISO 8601 strings are accepted too. */
export interface TimestampShape {
  readonly type: 'timestamp';
}
export interface ListShape {
  readonly type: 'list';
  readonly member: Shape;
  readonly min?: number;
  readonly max?: number;
}
export interface MapShape {
  readonly type: 'map';
  readonly key: StringShape;
  readonly value: Shape;
  readonly min?: number;
  readonly max?: number;
}
export interface StructureShape {
  readonly type: 'structure';
  readonly members: Members;
}
export type Shape =
  | StringShape
  | IntegerShape
  | BooleanShape
  | BlobShape
  | TimestampShape
  | ListShape
  | MapShape
  | StructureShape;

export interface Member {
  readonly shape: Shape;
  readonly required?: boolean;
}
/** Keyed by the wire (PascalCase) member name, in the order AWS reports violations. */
export type Members = Readonly<Record<string, Member>>;

/** A pattern compiled once, anchored as AWS applies it, keeping the text AWS quotes in messages. */
export function pattern(source: string): { regex: RegExp; source: string } {
  return { regex: new RegExp(`^(?:${source})$`), source };
}

export const structure = (members: Members): StructureShape => ({ type: 'structure', members });
export const required = (shape: Shape): Member => ({ shape, required: true });
export const optional = (shape: Shape): Member => ({ shape });

const NAME = pattern('[a-zA-Z0-9_.-]+');
const HASH_KEY = pattern('0|([1-9]\\d{0,38})');
const SEQUENCE_NUMBER = pattern('0|([1-9]\\d{0,128})');

export const streamName: StringShape = { type: 'string', min: 1, max: 128, pattern: NAME };
export const streamArn: StringShape = {
  type: 'string',
  min: 1,
  max: 2048,
  pattern: pattern('arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+'),
};
/** "Not Implemented. Reserved for future use" in the API reference: accepted, unchecked. */
export const streamId: StringShape = { type: 'string' };
export const resourceArn: StringShape = {
  type: 'string',
  min: 1,
  max: 2048,
  pattern: pattern('arn:aws.*:kinesis:.*:\\d{12}:.+'),
};
export const consumerName: StringShape = { type: 'string', min: 1, max: 128, pattern: NAME };
export const consumerArn: StringShape = {
  type: 'string',
  min: 1,
  max: 2048,
  pattern: pattern('^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+'),
};
export const shardId: StringShape = { type: 'string', min: 1, max: 128, pattern: NAME };
export const partitionKey: StringShape = { type: 'string', min: 1, max: 256 };
export const hashKey: StringShape = { type: 'string', pattern: HASH_KEY };
export const sequenceNumber: StringShape = { type: 'string', pattern: SEQUENCE_NUMBER };
export const nextToken: StringShape = { type: 'string', min: 1, max: 1048576 };
export const shardIterator: StringShape = { type: 'string', min: 1, max: 512 };
export const keyId: StringShape = { type: 'string', min: 1, max: 2048 };
export const tagKey: StringShape = { type: 'string', min: 1, max: 128 };
export const tagValue: StringShape = { type: 'string', min: 0, max: 256 };
/** Up to the 10 MiB maximum record size; the stream's own maximum is the engine's to enforce. */
export const recordData: BlobShape = { type: 'blob', min: 0, max: 10_485_760 };
export const timestamp: TimestampShape = { type: 'timestamp' };
export const boolean: BooleanShape = { type: 'boolean' };
export const integer = (min?: number, max?: number): IntegerShape => ({ type: 'integer', min, max });
export const oneOf = (...values: string[]): StringShape => ({ type: 'string', enum: values });
export const tagMap = (max: number): MapShape => ({ type: 'map', key: tagKey, value: tagValue, min: 1, max });
export const tagKeyList: ListShape = { type: 'list', member: tagKey, min: 1, max: 50 };

export const shardIteratorType = oneOf(
  'AT_SEQUENCE_NUMBER',
  'AFTER_SEQUENCE_NUMBER',
  'TRIM_HORIZON',
  'LATEST',
  'AT_TIMESTAMP',
);
export const shardLevelMetrics: ListShape = {
  type: 'list',
  min: 1,
  max: SHARD_LEVEL_METRICS.length,
  member: oneOf(...SHARD_LEVEL_METRICS, 'ALL'),
};
export const streamModeDetails = structure({ StreamMode: required(oneOf('PROVISIONED', 'ON_DEMAND')) });
export const encryptionType = oneOf('NONE', 'KMS');
