import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { LocalEventSourceMapping, LocalStream } from '../app/model.ts';
import type { InvokeResult } from '../lambda/types.ts';
import type { CheckpointStore } from './checkpoints.ts';
import type { EventSource } from './event.ts';

/** Everything one local event source mapping needs; the AWS clients are passed in (tests hand in their own). */
export interface EventSourceMappingOptions {
  mapping: LocalEventSourceMapping;
  stream: LocalStream;
  /** For the log lines. */
  functionName: string;
  /** `requestContext.functionArn` of failure records. */
  functionArn: string;
  /** `invokeIdentityArn` of every event record. */
  roleArn: string;
  /** `awsRegion` of every event record. */
  region: string;
  /** Invokes the mapped function with one event, as Lambda's Invoke API would. */
  invoke: (event: unknown) => Promise<InvokeResult>;
  /** A client with the SDK's normal retries (not shared/aws's maxAttempts 1). */
  kinesis: KinesisClient;
  /**
   * The ConsumerName of the enhanced fan-out consumer (AWS::Kinesis::StreamConsumer) the mapping
   * reads through, registered on the stream. With it, each shard is read by SubscribeToShard
   * (records pushed as they are written); without it, by GetRecords every `pollIntervalMs`.
   */
  consumerName?: string;
  /**
   * The client for SubscribeToShard: the SDK's NodeHttp2Handler against the same endpoint. Default:
   * one built from `kinesis` (endpoint, region, credentials), closed by stop().
   */
  subscribeClient?: KinesisClient;
  /** For S3 on-failure destinations. */
  s3: S3Client;
  checkpoints: CheckpointStore;
  /** Where failure records for SQS and SNS destinations go locally, as `<name>.ndjson`. */
  failureStandInDir?: string;
  /**
   * How often each shard is polled when it has nothing new. Default 1000 (as Lambda); tests use 50-100.
   * Subscriptions (`consumerName`) do not wait for it: pushed records are read at once, and a failed
   * batch is retried after 100 ms, backing off to 1 s (a polling mapping retries at the next poll).
   */
  pollIntervalMs?: number;
  /** One line per invoke (and per discard). Default: none. */
  log?: (line: InvocationLogLine) => void;
  /** Trouble the mapping recovers from by itself (a failed GetRecords or subscription, a failed destination write). */
  warn?: (message: string) => void;
  /**
   * The clock for record age, tumbling windows and failure-record timestamps (epoch ms). Tests move
   * it forward to age records instead of waiting. Polling and the batching window use real time.
   */
  now?: () => number;
}

/** A running mapping. */
export interface EventSourceMappingHandle {
  /** Stops polling, lets in-flight invokes finish (no new retries start), and saves the checkpoints. */
  stop(): Promise<void>;
}

export type InvocationOutcome = 'ok' | 'partial' | 'error' | 'timeout' | 'discarded';

/** One readable line per invoke, or per batch of records discarded without one. */
export interface InvocationLogLine {
  functionName: string;
  shardId: string;
  batchSize: number;
  durationMs: number;
  outcome: InvocationOutcome;
  detail?: string;
}

/** A record read from a shard, queued for a batch; its Lambda event record is built at invoke time (`lambdaRecord`). */
export interface ShardRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  /** ApproximateArrivalTimestamp in epoch ms. */
  arrivalMs: number;
  /** Raw data, for filtering. */
  data: Uint8Array;
  /** The stream and the mapping's role and region: the constant part of its event record. */
  source: EventSource;
  /** UTF-8 bytes of `JSON.stringify(lambdaRecord(record))`, for the 6 MB invoke payload cut. */
  eventBytes: number;
}

/** `condition` of a failure record. */
export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/**
 * What Lambda sends to an on-failure destination when it discards records of a Kinesis batch.
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
 */
export interface FailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: DiscardCondition;
    approximateInvokeCount: number;
  };
  /** Absent when no invoke was made for the discarded records (RecordAgeExceeded, oversized record). */
  responseContext?: {
    statusCode: number;
    executedVersion: string;
    functionError: string | null;
  };
  version: '1.0';
  timestamp: string;
  KinesisBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}
