/** Typed errors of the local event source mapping. */

/** A mapping setting outside what Lambda accepts; the message names the setting. */
export class EventSourceMappingConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The checkpoint file exists but cannot be read as one. */
export class CheckpointFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
