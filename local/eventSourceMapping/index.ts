/** The local Kinesis event source mapping: what the local runtime and the tests use. */
export { type CheckpointStore, MemoryCheckpointStore, type ShardCheckpoint } from './checkpoints.ts';
export { CheckpointFileError, EventSourceMappingConfigError } from './errors.ts';
export { FileCheckpointStore } from './fileCheckpoints.ts';
export { mappingUuid } from './mappingUuid.ts';
export { startEventSourceMapping } from './startEventSourceMapping.ts';
export type {
  EventSourceMappingHandle,
  EventSourceMappingOptions,
  FailureRecord,
  InvocationLogLine,
  InvocationOutcome,
} from './types.ts';
