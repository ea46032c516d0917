import type { LambdaClient } from '@aws-sdk/client-lambda';
import { type DeliveryOutcome, invokeConsumer } from './invokeConsumer.ts';

/** The part of a Kinesis event this needs: its records' sequence numbers. */
interface KinesisEventShape {
  Records: Array<{ kinesis: { sequenceNumber: string } }>;
}

/**
 * Invokes the consumer with a Kinesis event (`invokeConsumer`) and, when records failed without a
 * function error, finds out why. A partial batch response names the failed records but not their
 * errors, and the Invoke API returns no more than the response (and a log tail of 4 KB that the
 * batch's other lines can push the error out of). So the first failed record, in the event's order,
 * is delivered again alone: a consumer whose every record fails throws (Powertools'
 * FullBatchFailureError, see shared/consumers/reportRecordFailures.ts), and that error, with the
 * record's own error in its message, is what Invoke answers. That delivery is the retry Lambda
 * itself would make next (from the first failed record), which sinks idempotent per (shard,
 * sequence number) take as such; it goes no further than that one record, and the outcome stays a
 * failure whatever it answers, so a shard still stops at that record.
 *
 * @example
 * const outcome = await deliverEvent(target.lambda, target.functionName, event);
 * if (!outcome.ok) console.log(outcome.reason, outcome.why);
 */
export async function deliverEvent(
  lambda: Pick<LambdaClient, 'send'>,
  functionName: string,
  event: unknown,
): Promise<DeliveryOutcome> {
  const outcome = await invokeConsumer(lambda, functionName, event);
  if (outcome.ok || outcome.failedSequenceNumbers.length === 0 || !isKinesisEvent(event)) return outcome;
  const failed = new Set(outcome.failedSequenceNumbers);
  const first = event.Records.find((record) => failed.has(record.kinesis.sequenceNumber));
  if (!first) return outcome;
  return { ...outcome, why: await whyAlone(lambda, functionName, first) };
}

async function whyAlone(
  lambda: Pick<LambdaClient, 'send'>,
  functionName: string,
  record: KinesisEventShape['Records'][number],
): Promise<string> {
  const sequenceNumber = record.kinesis.sequenceNumber;
  let alone: DeliveryOutcome;
  try {
    alone = await invokeConsumer(lambda, functionName, { Records: [record] });
  } catch (error) {
    return `${sequenceNumber}: could not deliver it again alone to learn why (${(error as Error).message})`;
  }
  if (alone.ok) return `${sequenceNumber}: delivered again alone, it went through: the failure did not repeat`;
  if (alone.failedSequenceNumbers.length > 0) {
    return `${sequenceNumber}: failed again alone, and the function's answer names no reason (its log has it)`;
  }
  return `${sequenceNumber}: ${alone.reason}`;
}

function isKinesisEvent(event: unknown): event is KinesisEventShape {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.every(
      (record) => typeof (record as { kinesis?: { sequenceNumber?: unknown } })?.kinesis?.sequenceNumber === 'string',
    )
  );
}
