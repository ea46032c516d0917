import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { InvokeResult } from '../lambda/types.ts';
import type { CheckpointStore } from './checkpoints.ts';
import type { FailureDestination } from './destinations.ts';
import type { EventSource } from './event.ts';
import type { RecordFilter } from './filter.ts';
import type { MappingSettings } from './settings.ts';
import type { Subscriber } from './subscriptionReader.ts';
import type { InvocationLogLine } from './types.ts';

/** One mapping's resolved configuration and dependencies, shared by its shard workers. */
export interface MappingRuntime {
  /** Checkpoint key: the mapping's logical id. */
  mappingId: string;
  streamName: string;
  functionName: string;
  functionArn: string;
  settings: MappingSettings;
  source: EventSource;
  filter: RecordFilter;
  destination: FailureDestination | undefined;
  kinesis: KinesisClient;
  /** Set for an enhanced fan-out mapping: its shards are read by subscription, not by polling. */
  consumer?: Subscriber;
  checkpoints: CheckpointStore;
  invoke: (event: unknown) => Promise<InvokeResult>;
  log: (line: InvocationLogLine) => void;
  warn: (message: string) => void;
  now: () => number;
  /** Aborted by stop(). */
  signal: AbortSignal;
  /** How often a shard is polled when caught up (standard mappings); subscriptions are pushed. */
  pollIntervalMs: number;
}
