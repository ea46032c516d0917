import '../local/quietSdkNodeWarning.ts';
import { failWith, parseCommandLine, usageError } from './commandLine.ts';
import { consumerNamed } from './redrive/consumers.ts';
import { failureLine, RedriveError } from './redrive/errors.ts';
import { pipelineTarget } from './redrive/pipelineTarget.ts';
import { parseTime } from './redrive/times.ts';
import { readArchivedEvents } from './replay/archivedEvents.ts';
import { deliverReplay } from './replay/deliverReplay.ts';
import { deleteAggregateWindows, linesInWindows, windowRange } from './replay/rebuildAggregates.ts';
import { replayBatches } from './replay/replayBatches.ts';
import { REPLAY_OPTIONS, REPLAY_USAGE, REPLAYABLE } from './replay/usage.ts';

const { values } = parseCommandLine({ options: REPLAY_OPTIONS }, REPLAY_USAGE);
const usage = (message: string): never => usageError(message, REPLAY_USAGE);
const consumer =
  (REPLAYABLE.includes(values.consumer ?? '') ? consumerNamed(values.consumer) : undefined) ??
  usage(
    values.consumer === undefined
      ? '--consumer is required'
      : `--consumer must be one of ${REPLAYABLE.join(', ')} (not ${values.consumer})`,
  );
const requiredTime = (name: 'from' | 'to'): number => {
  const text = values[name];
  if (text === undefined) return usage(`--${name} is required`);
  return parseTime(text) ?? usage(`--${name} ${text}: not an ISO 8601 time`);
};
const from = requiredTime('from');
const to = requiredTime('to');
if (from > to) usage('--from is after --to');
const rebuild = values.rebuild;
if (rebuild && consumer.name !== 'aggregate') usage('--rebuild recounts aggregates: it needs --consumer aggregate');
if (!rebuild && (values['arrived-from'] !== undefined || values['arrived-to'] !== undefined)) {
  usage('--arrived-from and --arrived-to only go with --rebuild (a plain replay selects by arrival with --from/--to)');
}
const optionalTime = (name: 'arrived-from' | 'arrived-to', fallback: number): number => {
  const text = values[name];
  return text === undefined ? fallback : (parseTime(text) ?? usage(`--${name} ${text}: not an ISO 8601 time`));
};
const arrivedFrom = optionalTime('arrived-from', from - 3_600_000);
const arrivedTo = optionalTime('arrived-to', Date.now());
const batchSize = Number(values['batch-size']);
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) usage('--batch-size must be from 1 to 10000');

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
    for (const { shardId, delivered, invocations, stopped } of outcomes) {
      const stop = stopped ? `  STOPPED at ${stopped.atSequence}: ${stopped.reason}` : '';
      console.log(`  ${shardId}  delivered ${delivered}  invocations ${invocations}${stop}`);
      if (stopped?.why !== undefined) console.log(`    why: ${stopped.why}`);
    }
    const delivered = outcomes.reduce((sum, outcome) => sum + outcome.delivered, 0);
    const records = shards.reduce((sum, shard) => sum + shard.records, 0);
    // A KPL record holds many events: the count is of Kinesis records, as invocations carry them.
    console.log(`replayed ${delivered} of ${records} records (${lines.length} archived events)`);
    if (outcomes.some((outcome) => outcome.stopped)) process.exitCode = 1;
  }
} catch (error) {
  const line = failureLine(error);
  if (line === undefined) throw error;
  failWith(line);
}
