import { deliverEvent } from './deliverEvent.ts';
import { type FailedBatch, moveToRedriven } from './failedBatches.ts';
import type { PipelineTarget } from './pipelineTarget.ts';
import { rereadBatch } from './rereadBatch.ts';

export interface RedriveResult {
  redriven: number;
  kept: number;
}

export interface RedriveOptions {
  /** Failure records from S3 move under `redriven/` once delivered; those read from a file cannot. */
  move: boolean;
  print: (line: string) => void;
  now?: number;
}

/**
 * Delivers each failure record's batch again to the target's function only, one at a time, oldest
 * first: the stored `payload` when there is one, otherwise the records re-read from the stream
 * (warning how much retention is left). A batch the function fully processes moves under
 * `redriven/`; any other stays where it is, and the reason is printed: the function's error, or for
 * records it reported failed without one, the error of the first of them delivered again alone
 * (see `deliverEvent`).
 *
 * @example
 * const { kept } = await redriveBatches(await listFailedBatches(s3, bucket), target, { move: true, print: console.log });
 */
export async function redriveBatches(
  batches: readonly FailedBatch[],
  target: PipelineTarget,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const result: RedriveResult = { redriven: 0, kept: 0 };
  for (const batch of batches) {
    const info = batch.record.KinesisBatchInfo;
    const label = `${batch.source} (${info.shardId} ${info.startSequenceNumber}..${info.endSequenceNumber})`;
    let event: unknown;
    try {
      event =
        batch.record.payload === undefined ? await reread(batch, target, options) : JSON.parse(batch.record.payload);
    } catch (error) {
      result.kept += 1;
      options.print(`kept ${label}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const outcome = await deliverEvent(target.lambda, target.functionName, event);
    if (!outcome.ok) {
      result.kept += 1;
      options.print(`kept ${label}: ${outcome.reason}`);
      if (outcome.why !== undefined) options.print(`  why: ${outcome.why}`);
      continue;
    }
    result.redriven += 1;
    if (options.move) {
      const moved = await moveToRedriven(target.s3, target.failedBatchesBucket, batch.source);
      options.print(`redriven ${label} -> ${moved}`);
    } else {
      options.print(`redriven ${label}`);
    }
  }
  return result;
}

async function reread(batch: FailedBatch, target: PipelineTarget, options: RedriveOptions): Promise<unknown> {
  const info = batch.record.KinesisBatchInfo;
  const read = await rereadBatch(target.kinesis, info, {
    roleArn: target.roleArn,
    region: target.region,
    now: options.now,
  });
  const hours = (read.retentionLeftMs / 3_600_000).toFixed(1);
  options.print(
    `warning: ${batch.source} is metadata only; re-read ${read.found} of ${read.expected} records from the stream, ` +
      `which keeps them about ${hours} h more`,
  );
  return read.event;
}
