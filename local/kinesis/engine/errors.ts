import { KinesisServiceError } from './api.ts';

/**
 * AWS's Kinesis error codes as typed constructors, so every module throws the same code for the same
 * condition. Messages follow AWS's wording where it is known.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/CommonErrors.html
 */

/** The stream, shard or consumer does not exist (or is not visible in its current state). */
export const resourceNotFound = (message: string): KinesisServiceError =>
  new KinesisServiceError('ResourceNotFoundException', message);

/** The resource exists but its state forbids the action (CREATING, UPDATING, DELETING, in use). */
export const resourceInUse = (message: string): KinesisServiceError =>
  new KinesisServiceError('ResourceInUseException', message);

/** A parameter is well formed but cannot be used here. */
export const invalidArgument = (message: string): KinesisServiceError =>
  new KinesisServiceError('InvalidArgumentException', message);

/** Too many shards, consumers, tags, concurrent operations. */
export const limitExceeded = (message: string): KinesisServiceError =>
  new KinesisServiceError('LimitExceededException', message);

/** A shard iterator older than 5 minutes. */
export const expiredIterator = (message: string): KinesisServiceError =>
  new KinesisServiceError('ExpiredIteratorException', message);

/** A pagination token older than its lifetime. */
export const expiredNextToken = (message: string): KinesisServiceError =>
  new KinesisServiceError('ExpiredNextTokenException', message);

/** A shard's read or write limit was reached. */
export const throughputExceeded = (message: string): KinesisServiceError =>
  new KinesisServiceError('ProvisionedThroughputExceededException', message);

/** The engine was closed while the call ran. */
export const internalFailure = (message: string): KinesisServiceError =>
  new KinesisServiceError('InternalFailure', message, 500);
