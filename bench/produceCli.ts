import { spawn } from 'node:child_process';
import type { PipelineProcess } from './pipelineProcess.ts';
import { waitForConsumers } from './pipelineProcess.ts';
import { megabytes, sampleRss } from './processRss.ts';
import type { Consumer } from './throughput.ts';

export interface ProduceCliResult {
  rate: number;
  count: number;
  /** What `npm run produce` printed: its own seconds and events/s, and its tally. */
  seconds: number;
  eventsPerSecond: number;
  accepted: number;
  failed: number;
  rejected: number;
  /** POST /events answers by status, from the pipeline's request log. */
  statuses: Record<string, number>;
  /** Per consumer: ms from the last POST /events answer until its checkpoints reached the markers. */
  lagMs: Record<Consumer, number | undefined>;
  /** Shards whose checkpoint was still short of the marker when the wait gave up. */
  shardsBehind: Record<Consumer, string[]>;
  /** VmRSS of the `npm start` process, MB: when the run began, and its peak until the consumers caught up. */
  rssMb: { before: number; peak: number };
}

const SUMMARY = /in ([\d.]+) s \((\d+) ev\/s\): (\d+) accepted, (\d+) rejected, (\d+) failed/;

/**
 * `npm run produce -- --rate <rate> --count <count>` against a running `npm start`, as a new user
 * runs it (through the HTTP API, endpoints and dev token from its KP_LOCAL_DIR), in its own process.
 * Then, per consumer, the time from the last request's answer until that consumer had processed
 * every event, within `drainTimeoutMs`: until its mapping's checkpoint of every shard reached the
 * marker record put there after the run (`waitForConsumers`).
 *
 * @example
 * const produced = await benchProduceCli(pipeline, { rate: 1_000, count: 60_000 });
 */
export async function benchProduceCli(
  pipeline: PipelineProcess,
  options: { rate?: number; count?: number; drainTimeoutMs?: number } = {},
): Promise<ProduceCliResult> {
  const { rate = 1_000, count = 60_000, drainTimeoutMs = 60_000 } = options;
  const firstRequest = pipeline.requests.length;
  const sampler = sampleRss(pipeline.pid, 1_000);
  const args = ['--import', 'tsx', 'cli/produce.ts', '--rate', String(rate), '--count', String(count)];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KP_LOCAL_DIR: pipeline.localDir },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const summary = SUMMARY.exec(output);
  if (!summary) throw new Error(`npm run produce exited (${code}) without its summary line: ${output.slice(-2_000)}`);
  const [, seconds = '0', perSecond = '0', accepted = '0', rejected = '0', failed = '0'] = summary;
  const posts = pipeline.requests.slice(firstRequest).filter((r) => r.path === '/events');
  const lastAnswer = Math.max(...posts.map((r) => r.at));
  const statuses: Record<string, number> = {};
  for (const post of posts) statuses[post.status] = (statuses[post.status] ?? 0) + 1;
  const drained = await waitForConsumers(pipeline, { since: lastAnswer, timeoutMs: drainTimeoutMs });
  await sampler.stop();
  const rssMb = { before: megabytes(sampler.samples[0]?.bytes ?? 0), peak: megabytes(sampler.peak().bytes) };
  const each = <T>(pick: (d: (typeof drained)[Consumer]) => T) =>
    ({ archive: pick(drained.archive), aggregate: pick(drained.aggregate), alert: pick(drained.alert) }) as Record<
      Consumer,
      T
    >;
  return {
    rate,
    count,
    seconds: Number(seconds),
    eventsPerSecond: Number(perSecond),
    accepted: Number(accepted),
    rejected: Number(rejected),
    failed: Number(failed),
    statuses,
    lagMs: each((d) => d.caughtUpMs),
    shardsBehind: each((d) => d.shardsBehind),
    rssMb,
  };
}
