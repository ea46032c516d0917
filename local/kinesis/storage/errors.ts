/**
 * Errors of the record store. The engine maps any of them to an `InternalFailure` (HTTP 500): they
 * mean the store cannot serve the call, never that the caller sent something wrong, except
 * `InvalidShardIdError` and `RecordFieldTooLongError`, which the engine's own validation should
 * make unreachable.
 */

/** Base class: anything the store refuses or fails at. */
export class StorageError extends Error {
  override name = 'StorageError';
}

/** Bytes on disk that do not decode (bad CRC, wrong position, impossible length) outside a torn tail. */
export class StorageCorruptionError extends StorageError {
  override name = 'StorageCorruptionError';
}

/** A call after `close()` or `destroy()`. */
export class StoreClosedError extends StorageError {
  override name = 'StoreClosedError';
}

/** A shard id that cannot be used as a directory name. */
export class InvalidShardIdError extends StorageError {
  override name = 'InvalidShardIdError';
}

/** A partition key or explicit hash key longer than the frame format holds. */
export class RecordFieldTooLongError extends StorageError {
  override name = 'RecordFieldTooLongError';
}

/** An earlier write of this shard failed; its in-memory state may no longer match the disk. Reopen the store. */
export class ShardWriteFailedError extends StorageError {
  override name = 'ShardWriteFailedError';
}
