import '../local/quietSdkNodeWarning.ts';
import { parseArgs } from 'node:util';
import { CONSUMERS, consumerNamed } from './redrive/consumers.ts';
import { RedriveError } from './redrive/errors.ts';
import { pipelineTarget } from './redrive/pipelineTarget.ts';
import { parseTime } from './redrive/times.ts';
import { readArchivedEvents } from './replay/archivedEvents.ts';
import { deliverReplay } from './replay/deliverReplay.ts';
import { deleteAggregateWindows, linesInWindows, windowRange } from './replay/rebuildAggregates.ts';
import { replayBatches } from './replay/replayBatches.ts';
import { fail } from './target.ts';

/** The archive is the source of a replay: replaying it into itself would only add re-cut copies. */
const REPLAYABLE = Object.keys(CONSUMERS).filter((name) => name !== 'archive');

const USAGE = `usage: npm run replay -- --consumer <${REPLAYABLE.join('|')}> --from T --to T [options]
Re-delivers the archived events (ArchiveBucket, events/) whose records arrived on the stream
between --from and --to to one consumer's function, per shard in sequence order: to backfill a
new or fixed consumer. Sinks are idempotent per (shard, sequence number), so records a consumer
has already applied change nothing.
  --consumer NAME   the consumer to deliver to
  --from T --to T   arrival time range, inclusive (ISO 8601, e.g. 2026-01-02T03:00Z)
  --batch-size N    records per invocation (default 500; also cut at 6 MB)
  --rebuild         aggregate only: recount the minute windows of event time from --from to --to
                    instead: delete their aggregate items, then replay every archived event whose
                    own time falls in them (the exact counts, whatever was skipped or lost before)
  --arrived-from T  with --rebuild: read events that arrived from T (default: an hour before --from)
  --arrived-to T    with --rebuild: ... through T (default: now)
  --dry-run         count what would be delivered, deliver nothing
  --stage S         a deployed stage (stack kinesis-pipeline-<S>); default: the local pipeline
  --region R        AWS region (default: $AWS_REGION)
  --function NAME   the function, instead of the stack's
Exit code 1 when a shard stopped on a failed invocation (printed with the sequence number to resume at).`;

const { values } = parseArgs({
  options: {
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
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const consumer = REPLAYABLE.includes(values.consumer ?? '') ? consumerNamed(values.consumer) : undefined;
if (!consumer) fail(`--consumer must be one of ${REPLAYABLE.join(', ')}\n${USAGE}`);
const from = parseTime(values.from ?? '') ?? fail(`--from needs an ISO 8601 time\n${USAGE}`);
const to = parseTime(values.to ?? '') ?? fail(`--to needs an ISO 8601 time\n${USAGE}`);
if (from > to) fail('--from is after --to');
const rebuild = values.rebuild;
if (rebuild && consumer.name !== 'aggregate') fail('--rebuild recounts aggregates: it needs --consumer aggregate');
if (!rebuild && (values['arrived-from'] !== undefined || values['arrived-to'] !== undefined)) {
  fail('--arrived-from and --arrived-to only go with --rebuild (a plain replay selects by arrival with --from/--to)');
}
const optionalTime = (name: 'arrived-from' | 'arrived-to', fallback: number) =>
  values[name] === undefined ? fallback : (parseTime(values[name]) ?? fail(`--${name} needs an ISO 8601 time`));
const arrivedFrom = optionalTime('arrived-from', from - 3_600_000);
const arrivedTo = optionalTime('arrived-to', Date.now());
const batchSize = Number(values['batch-size']);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) fail('--batch-size must be from 1 to 10000');

try {
  const target = await pipelineTarget(consumer, {
    stage: values.stage,
    region: values.region,
    functionName: values.function,
  });
  if (!target.archiveBucket) throw new RedriveError(`${target.where} has no ArchiveBucket`);
  const windows = windowRange(from, to);
  const read = rebuild
    ? await readArchivedEvents(target.s3, target.archiveBucket, arrivedFrom, arrivedTo)
    : await readArchivedEvents(target.s3, target.archiveBucket, from, to);
  const { objects } = read;
  const lines = rebuild ? linesInWindows(read.lines, windows) : read.lines;
  const shards = replayBatches(
    lines,
    { streamArn: target.streamArn, region: target.region, roleArn: target.roleArn },
    batchSize,
  );
  const invocations = shards.reduce((sum, shard) => sum + shard.events.length, 0);
  console.log(`${consumer.name} consumer, ${target.where}`);
  const what = rebuild
    ? `${lines.length} archived events in the windows ${windows.first} .. ${windows.last} ` +
      `(arrived ${new Date(arrivedFrom).toISOString()} .. ${new Date(arrivedTo).toISOString()})`
    : `${lines.length} archived events arrived ${new Date(from).toISOString()} .. ${new Date(to).toISOString()}`;
  console.log(
    `${what} (${objects} objects read), ${shards.length} shards, ${invocations} invocations of up to ${batchSize}`,
  );
  for (const shard of shards)
    console.log(`  ${shard.shardId}  ${shard.records} records  ${shard.events.length} invocations`);
  if (!values['dry-run'] && rebuild) {
    if (!target.aggregatesTable) throw new RedriveError(`${target.where} has no AggregatesTable`);
    const deleted = await deleteAggregateWindows(target.dynamodb, target.aggregatesTable, windows);
    console.log(`deleted ${deleted} aggregate items of those windows from ${target.aggregatesTable}`);
  }
  if (!values['dry-run'] && invocations > 0) {
    console.log(`replaying to ${target.functionName} ...`);
    const outcomes = await deliverReplay(shards, target);
    for (const outcome of outcomes) {
      const stop = outcome.stopped ? `  STOPPED at ${outcome.stopped.atSequence}: ${outcome.stopped.reason}` : '';
      console.log(`  ${outcome.shardId}  delivered ${outcome.delivered}  invocations ${outcome.invocations}${stop}`);
    }
    const delivered = outcomes.reduce((sum, outcome) => sum + outcome.delivered, 0);
    const records = shards.reduce((sum, shard) => sum + shard.records, 0);
    // A KPL record holds many events: the count is of Kinesis records, as invocations carry them.
    console.log(`replayed ${delivered} of ${records} records (${lines.length} archived events)`);
    if (outcomes.some((outcome) => outcome.stopped)) process.exitCode = 1;
  }
} catch (error) {
  if (!(error instanceof RedriveError)) throw error;
  console.error(`error: ${error.message}`);
  process.exitCode = 1;
}
