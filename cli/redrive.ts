import '../local/quietSdkNodeWarning.ts';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CONSUMERS, consumerNamed } from './redrive/consumers.ts';
import { RedriveError } from './redrive/errors.ts';
import { type FailedBatch, failedBatchesFromLines, listFailedBatches } from './redrive/failedBatches.ts';
import { pipelineTarget } from './redrive/pipelineTarget.ts';
import { redriveBatches } from './redrive/redriveBatches.ts';
import { summarize } from './redrive/summarize.ts';
import { parseTime } from './redrive/times.ts';
import { fail } from './target.ts';

const USAGE = `usage: npm run redrive -- --consumer <${Object.keys(CONSUMERS).join('|')}> [options]
Re-delivers the batches a consumer's event source mapping gave up on (its S3 failure bucket,
under aws/lambda/) to that consumer's function only. Delivered ones move under redriven/.
  --consumer NAME   the consumer whose failed batches to redrive
  --since T         only failure records written at or after T (ISO 8601, e.g. 2026-01-02T03:00Z)
  --dry-run         show what is there, deliver nothing
  --stage S         a deployed stage (stack kinesis-pipeline-<S>); default: the local pipeline
  --region R        AWS region (default: $AWS_REGION)
  --bucket NAME     the failure bucket, instead of the stack's output
  --function NAME   the function, instead of the stack's
  --records FILE    metadata-only failure records (SQS/SNS shape), one JSON per line, instead of
                    the bucket: their records are re-read from the stream
Exit code 1 when a batch could not be delivered (it stays, with the reason printed).`;

const { values } = parseArgs({
  options: {
    consumer: { type: 'string' },
    since: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    stage: { type: 'string' },
    region: { type: 'string' },
    bucket: { type: 'string' },
    function: { type: 'string' },
    records: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const consumer = consumerNamed(values.consumer);
if (!consumer) fail(`--consumer must be one of ${Object.keys(CONSUMERS).join(', ')}\n${USAGE}`);
const since =
  values.since === undefined ? undefined : (parseTime(values.since) ?? fail(`--since ${values.since} is not a time`));

try {
  const target = await pipelineTarget(consumer, {
    stage: values.stage,
    region: values.region,
    bucket: values.bucket,
    functionName: values.function,
  });
  const fromFile = values.records !== undefined;
  const batches: FailedBatch[] = fromFile
    ? failedBatchesFromLines(readFileSync(values.records as string, 'utf8'), values.records as string).filter(
        ({ record }) => since === undefined || Date.parse(record.timestamp) >= since,
      )
    : await listFailedBatches(target.s3, target.failedBatchesBucket, { since });
  const from = fromFile ? (values.records as string) : target.failedBatchesBucket;
  console.log(`${consumer.name} consumer, ${target.where}`);
  for (const line of summarize(batches, from)) console.log(line);
  if (!values['dry-run'] && batches.length > 0) {
    console.log(`redriving to ${target.functionName} ...`);
    const result = await redriveBatches(batches, target, { move: !fromFile, print: (line) => console.log(line) });
    console.log(`redriven ${result.redriven}, kept ${result.kept}`);
    if (result.kept > 0) process.exitCode = 1;
  }
} catch (error) {
  if (!(error instanceof RedriveError)) throw error;
  console.error(`error: ${error.message}`);
  process.exitCode = 1;
}
