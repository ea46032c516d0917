import '../local/quietSdkNodeWarning.ts';
import { readFileSync } from 'node:fs';
import { failWith, parseCommandLine, usageError } from './commandLine.ts';
import { CONSUMERS, consumerNamed } from './redrive/consumers.ts';
import { failureLine } from './redrive/errors.ts';
import { type FailedBatch, failedBatchesFromLines, listFailedBatches } from './redrive/failedBatches.ts';
import { pipelineTarget } from './redrive/pipelineTarget.ts';
import { redriveBatches } from './redrive/redriveBatches.ts';
import { summarize } from './redrive/summarize.ts';
import { parseTime } from './redrive/times.ts';
import { REDRIVE_OPTIONS, REDRIVE_USAGE } from './redrive/usage.ts';

const { values } = parseCommandLine({ options: REDRIVE_OPTIONS }, REDRIVE_USAGE);
const usage = (message: string): never => usageError(message, REDRIVE_USAGE);
const consumer =
  consumerNamed(values.consumer) ??
  usage(
    values.consumer === undefined
      ? '--consumer is required'
      : `--consumer ${values.consumer}: must be one of ${Object.keys(CONSUMERS).join(', ')}`,
  );
const since =
  values.since === undefined
    ? undefined
    : (parseTime(values.since) ?? usage(`--since ${values.since}: not an ISO 8601 time`));

try {
  const target = await pipelineTarget(consumer, {
    stage: values.stage,
    region: values.region,
    bucket: values.bucket,
    functionName: values.function,
  });
  const file = values.records;
  const batches: FailedBatch[] =
    file !== undefined
      ? failedBatchesFromLines(readRecordsFile(file), file).filter(
          ({ record }) => since === undefined || Date.parse(record.timestamp) >= since,
        )
      : await listFailedBatches(target.s3, target.failedBatchesBucket, { since });
  console.log(`${consumer.name} consumer, ${target.where}`);
  for (const line of summarize(batches, file ?? target.failedBatchesBucket)) console.log(line);
  if (!values['dry-run'] && batches.length > 0) {
    console.log(`redriving to ${target.functionName} ...`);
    const result = await redriveBatches(batches, target, {
      move: file === undefined,
      print: (line) => console.log(line),
    });
    console.log(`redriven ${result.redriven}, kept ${result.kept}`);
    if (result.kept > 0) process.exitCode = 1;
  }
} catch (error) {
  const line = failureLine(error);
  if (line === undefined) throw error;
  failWith(line);
}

function readRecordsFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return failWith(`--records ${file}: ${(error as Error).message}`);
  }
}
