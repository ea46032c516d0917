import { CONSUMERS } from './consumers.ts';

/** The options of `npm run redrive`, as `parseCommandLine` takes them (`--help` is its own). */
export const REDRIVE_OPTIONS = {
  consumer: { type: 'string' },
  since: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  stage: { type: 'string' },
  region: { type: 'string' },
  bucket: { type: 'string' },
  function: { type: 'string' },
  records: { type: 'string' },
} as const;

export const REDRIVE_USAGE = `usage: npm run redrive -- --consumer <${Object.keys(CONSUMERS).join('|')}> [options]
Re-delivers the batches a consumer's event source mapping gave up on (its S3 failure bucket,
under aws/lambda/) to that consumer's function only. Delivered ones move under redriven/.
  --consumer NAME   the consumer whose failed batches to redrive (required)
  --since T         only failure records written at or after T (ISO 8601, e.g. 2026-01-02T03:00Z)
  --dry-run         show what is there, deliver nothing
  --stage S         a deployed stage (stack kinesis-pipeline-<S>); default: the local pipeline
  --region R        AWS region (default: $AWS_REGION)
  --bucket NAME     the failure bucket, instead of the stack's output
  --function NAME   the function, instead of the stack's
  --records FILE    metadata-only failure records (SQS/SNS shape), one JSON per line, instead of
                    the bucket: their records are re-read from the stream
  --help            this text
A batch that fails again stays, with the function's error printed; for records it reports failed
without one, the first of them is delivered again alone to learn it.
Exit code 1 when a batch could not be delivered or AWS refused a call (one line saying why),
2 on bad usage.`;
