import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/**
 * How one re-delivery went: every record processed, or why not. `why` is the function's own error for
 * the first failed record, when the answer named records without saying why (see `deliverEvent`).
 */
export type DeliveryOutcome =
  | { ok: true }
  | { ok: false; reason: string; failedSequenceNumbers: string[]; why?: string };

/**
 * Invokes the consumer's function synchronously with a Kinesis event, as the event source mapping
 * does, and judges the answer as the mapping would (see {@link judgeResponse}).
 *
 * @example
 * const outcome = await invokeConsumer(lambda, 'kinesis-pipeline-dev-aggregate', event);
 * if (!outcome.ok) console.log(outcome.reason);
 */
export async function invokeConsumer(
  lambda: Pick<LambdaClient, 'send'>,
  functionName: string,
  event: unknown,
): Promise<DeliveryOutcome> {
  const response = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(JSON.stringify(event)),
    }),
  );
  return judgeResponse(response.FunctionError, Buffer.from(response.Payload ?? new Uint8Array()).toString('utf8'));
}

/**
 * A Kinesis consumer's answer as Lambda's event source mapping reads it (ReportBatchItemFailures):
 * a function error fails the whole batch; `batchItemFailures` lists failed records by sequence
 * number; anything else that is not a valid batch response fails the whole batch too.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
 *
 * @example
 * judgeResponse(undefined, '{"batchItemFailures":[]}'); // { ok: true }
 * judgeResponse(undefined, '{"batchItemFailures":[{"itemIdentifier":"4965"}]}'); // { ok: false, reason: '1 record failed again: 4965', … }
 */
export function judgeResponse(functionError: string | undefined, payload: string): DeliveryOutcome {
  if (functionError) {
    const error = parse(payload) as { errorType?: string; errorMessage?: string } | undefined;
    const detail = error?.errorType ? `${error.errorType}: ${error.errorMessage ?? ''}` : payload;
    return { ok: false, reason: `function error (${functionError}): ${detail}`, failedSequenceNumbers: [] };
  }
  if (payload.trim() === '') return { ok: true };
  const response = parse(payload);
  if (response === undefined) {
    return {
      ok: false,
      reason: `invalid batch response (not JSON): ${payload.slice(0, 200)}`,
      failedSequenceNumbers: [],
    };
  }
  if (response === null || typeof response !== 'object') return { ok: true };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { ok: true };
  const ids = Array.isArray(failures)
    ? failures.map((failure) => (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier)
    : undefined;
  if (!ids?.every((id): id is string => typeof id === 'string' && id !== '')) {
    return { ok: false, reason: `invalid batch response: ${payload.slice(0, 200)}`, failedSequenceNumbers: [] };
  }
  if (ids.length === 0) return { ok: true };
  const shown = ids.length > 5 ? `${ids.slice(0, 5).join(', ')}, …` : ids.join(', ');
  return {
    ok: false,
    reason: `${ids.length} record${ids.length === 1 ? '' : 's'} failed again: ${shown}`,
    failedSequenceNumbers: ids,
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
