import { type Checkpoints, readCheckpoints, recordsProcessed, waitForCheckpoints } from './consumerCheckpoints.ts';
import { benchKinesisClient, type FillResult, fillStream } from './kinesisLoad.ts';
import { spawnPipeline } from './pipelineProcess.ts';
import { megabytes, rssBytes, sampleRss } from './processRss.ts';
import type { Consumer } from './throughput.ts';

export interface PipelineMemoryResult {
  /** `npm start`'s command line. */
  command: string;
  fill: FillResult;
  /** VmRSS in MB of the `npm start` process (and with its child processes, if any). */
  rssMb: {
    started: number;
    tenths: number[];
    afterFill: number;
    afterFillTree: number;
    end: number;
    peak: number;
    peakTree: number;
    /** Every 5 s for 30 s after the wait for the consumers: the process at rest, holding every record. */
    rest: number[];
  };
  /**
   * Per consumer, from its mapping's checkpoints: records behind when the fill ended, seconds after
   * it until every shard's checkpoint reached the last record put there (or not), records behind
   * when the wait ended.
   */
  lag: Record<Consumer, { behindAtFillEnd: number; caughtUpSeconds: number | undefined; behindAtEnd: number }>;
  drainTimeoutSeconds: number;
}

const REST_SAMPLES = 6;
const REST_EVERY_MS = 5_000;

/**
 * Memory of the whole local pipeline: `npm start` in a child process, `records` records put
 * straight into its stream (PutRecords of 500, 4 in flight, ~450-byte records as the ingest writes
 * them) while its three consumers read them, the process's VmRSS sampled every second and at each
 * tenth of the fill. Then up to `drainTimeoutSeconds` for the consumers to catch up: until each
 * mapping's checkpoint of every shard reached the last sequence number the fill put into it (the
 * fill writes straight into the stream, so it knows them; no marker needed). Records behind: each
 * shard's records after the consumer's checkpoint, counted in the sequence numbers the fill got back.
 * Last, 30 s at rest (RSS every 5 s): what the process keeps once the burst is over.
 *
 * @example
 * const memory = await benchPipelineMemory({ records: 1_000_000 });
 */
export async function benchPipelineMemory(
  options: { records?: number; drainTimeoutSeconds?: number } = {},
): Promise<PipelineMemoryResult> {
  const { records = 1_000_000, drainTimeoutSeconds = 240 } = options;
  const pipeline = await spawnPipeline();
  const sampler = sampleRss(pipeline.pid, 1_000);
  const client = benchKinesisClient(pipeline.endpoints.kinesis);
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const started = megabytes(sampler.samples.at(-1)?.bytes ?? 0);
    const tenths: number[] = [];
    const fill = await fillStream(client, pipeline.endpoints.streamName, {
      records,
      keepSequenceNumbers: true,
      onTenth: async () => {
        tenths.push(megabytes(await rssBytes(pipeline.pid)));
      },
    });
    const fillEnded = performance.now();
    const rssAtFillEnd = await sampler.stop();
    const resumed = sampleRss(pipeline.pid, 1_000);
    const targets = fill.lastSequenceNumbers;
    const atFillEnd = await readCheckpoints(pipeline.dataDir);
    const drained = await waitForCheckpoints(pipeline.dataDir, targets, {
      since: fillEnded,
      timeoutMs: drainTimeoutSeconds * 1000,
    });
    const end = await resumed.stop();
    const atEnd = await readCheckpoints(pipeline.dataDir);
    const rest: number[] = [];
    for (let sample = 0; sample < REST_SAMPLES; sample += 1) {
      await new Promise((resolve) => setTimeout(resolve, REST_EVERY_MS));
      rest.push(megabytes(await rssBytes(pipeline.pid)));
    }
    // Each record's sequence number turns a checkpoint into a count of records.
    const sequences = fill.sequenceNumbers ?? new Map<string, bigint[]>();
    const behind = (checkpoints: Checkpoints, consumer: Consumer) =>
      records - recordsProcessed(checkpoints, consumer, sequences, new Map());
    const lag = Object.fromEntries(
      Object.entries(drained).map(([consumer, { caughtUpMs }]) => [
        consumer,
        {
          behindAtFillEnd: behind(atFillEnd, consumer as Consumer),
          caughtUpSeconds: caughtUpMs === undefined ? undefined : caughtUpMs / 1000,
          behindAtEnd: caughtUpMs === undefined ? behind(atEnd, consumer as Consumer) : 0,
        },
      ]),
    ) as PipelineMemoryResult['lag'];
    const peaks = [sampler.peak(), resumed.peak()];
    return {
      command: pipeline.command,
      fill,
      rssMb: {
        started,
        tenths,
        afterFill: megabytes(rssAtFillEnd?.bytes ?? 0),
        afterFillTree: megabytes(rssAtFillEnd?.treeBytes ?? 0),
        end: megabytes(end?.bytes ?? 0),
        peak: megabytes(Math.max(...peaks.map((p) => p.bytes))),
        peakTree: megabytes(Math.max(...peaks.map((p) => p.treeBytes))),
        rest,
      },
      lag,
      drainTimeoutSeconds,
    };
  } finally {
    await sampler.stop();
    client.destroy();
    await pipeline.stop();
  }
}
