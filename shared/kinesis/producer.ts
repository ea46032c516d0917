import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { partitionKeyLanes } from './lanes.ts';
import { DEFAULT_PUT_RECORDS_LIMITS, type PutRecordsLimits } from './limits.ts';
import { type OutgoingRecord, packRecords, type RejectedRecord } from './packRecords.ts';
import { DEFAULT_RETRY_POLICY, fullJitterDelayMs, isRetryableCallError, type RetryPolicy } from './retryPolicy.ts';
import { sendWithRetries } from './sendWithRetries.ts';

/** The one Kinesis call the producer makes; a `KinesisClient` fits, and so does a test fake. */
export interface PutRecordsSender {
  send(command: PutRecordsCommand, options?: { abortSignal?: AbortSignal }): Promise<PutRecordsCommandOutput>;
}

export type PutOutcome =
  | {
      index: number;
      status: 'accepted';
      sequenceNumber: string;
      shardId: string;
      /** Its place inside a KPL-aggregated record (see aggregatingProducer.ts), when it went in one. */
      subSequenceNumber?: number;
    }
  | { index: number; status: 'rejected'; code: RejectedRecord['code']; error: string }
  | {
      index: number;
      status: 'failed';
      code: string;
      error: string;
      retryable: boolean;
      /** No attempt was refused outright: Kinesis may have written it, and a retry may duplicate it. */
      maybeWritten: boolean;
    };

export interface ProduceStats {
  putRecordsCalls: number;
  /** Entries sent again after a failed entry or a failed call. */
  retriedEntries: number;
  /** Entries refused with ProvisionedThroughputExceededException (a hot shard or key). */
  throttledEntries: number;
}

export interface ProduceResult {
  /** One outcome per record, ordered by `index`. */
  outcomes: PutOutcome[];
  stats: ProduceStats;
}

export interface ProducerOptions {
  client: PutRecordsSender;
  streamName: string;
  limits?: Partial<PutRecordsLimits>;
  retry?: Partial<RetryPolicy>;
  /** PutRecords calls in flight at once (each partition key stays in one lane: see lanes.ts). */
  concurrency?: number;
  /** Test seams: clock, sleep and randomness. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface Producer {
  /**
   * Writes the records, re-sending exactly the failed entries until they succeed, the retry
   * budget runs out, or `deadline` (epoch ms) would pass. Never reports a record accepted
   * without the sequence number Kinesis returned for it.
   */
  put(records: readonly OutgoingRecord[], options?: { deadline?: number }): Promise<ProduceResult>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Creates a batching, retrying PutRecords producer.
 *
 * @example
 * const producer = createProducer({ client: kinesisClient(), streamName: 'events' });
 * const { outcomes } = await producer.put([{ index: 0, data: bytes, partitionKey: 'web' }]);
 */
export function createProducer(options: ProducerOptions): Producer {
  const limits = { ...DEFAULT_PUT_RECORDS_LIMITS, ...options.limits };
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  return {
    async put(records, { deadline = Number.POSITIVE_INFINITY } = {}) {
      const { batches, rejected } = packRecords(records, limits);
      const stats: ProduceStats = { putRecordsCalls: 0, retriedEntries: 0, throttledEntries: 0 };
      const outcomes: PutOutcome[] = rejected.map((r) => ({ ...r, status: 'rejected', error: r.message }));
      const batchContext = {
        client: options.client,
        streamName: options.streamName,
        retry,
        deadline,
        now,
        sleep,
        delayFor: (attempt: number) => fullJitterDelayMs(attempt, retry, random),
        isRetryableCallError,
        stats,
      };
      const sendLane = async (lane: OutgoingRecord[][]) => {
        for (const batch of lane) outcomes.push(...(await sendWithRetries(batch, batchContext)));
      };
      await Promise.all(partitionKeyLanes(batches, limits, concurrency).map(sendLane));
      outcomes.sort((a, b) => a.index - b.index);
      return { outcomes, stats };
    },
  };
}
