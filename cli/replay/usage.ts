import { CONSUMERS } from '../redrive/consumers.ts';

/** The archive is the source of a replay: replaying it into itself would only add re-cut copies. */
export const REPLAYABLE = Object.keys(CONSUMERS).filter((name) => name !== 'archive');

/** The options of `npm run replay`, as `parseCommandLine` takes them (`--help` is its own). */
export const REPLAY_OPTIONS = {
  consumer: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'batch-size': { type: 'string', default: '500' },
  rebuild: { type: 'boolean', default: false },
  'arrived-from': { type: 'string' },
  'arrived-to': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  stage: { type: 'string' },
  region: { type: 'string' },
  function: { type: 'string' },
} as const;

export const REPLAY_USAGE = `usage: npm run replay -- --consumer <${REPLAYABLE.join('|')}> --from T --to T [options]
Re-delivers the archived events (ArchiveBucket, events/) whose records arrived on the stream
between --from and --to to one consumer's function, per shard in sequence order: to backfill a
new or fixed consumer. Sinks are idempotent per (shard, sequence number), so records a consumer
has already applied change nothing.
  --consumer NAME   the consumer to deliver to (required)
  --from T          start of the arrival time range, inclusive (ISO 8601, e.g. 2026-01-02T03:00Z; required)
  --to T            end of the arrival time range, inclusive (required)
  --batch-size N    records per invocation, 1 to 10000 (default 500; also cut at 6 MB)
  --rebuild         aggregate only: recount the minute windows of event time from --from to --to
                    instead: delete their aggregate items, then replay every archived event whose
                    own time falls in them (the exact counts, whatever was skipped or lost before)
  --arrived-from T  with --rebuild: read events that arrived from T (default: an hour before --from)
  --arrived-to T    with --rebuild: read events that arrived up to T (default: now)
  --dry-run         count what would be delivered, deliver nothing
  --stage S         a deployed stage (stack kinesis-pipeline-<S>); default: the local pipeline
  --region R        AWS region (default: $AWS_REGION)
  --function NAME   the function, instead of the stack's
  --help            this text
Exit code 1 when a shard stopped on a failed invocation (printed with the sequence number to resume
at and the function's error for that record) or AWS refused a call (one line saying why), 2 on bad usage.`;
