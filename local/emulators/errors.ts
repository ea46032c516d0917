/** Typed errors of the local emulator harness. */

export type EmulatorName = 'kinesis' | 'dynamodb' | 's3' | 'sns';

/** An emulator could not be started or never answered; the message carries its last output. */
export class EmulatorStartError extends Error {
  constructor(
    readonly emulator: EmulatorName,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A polled condition did not hold before its deadline; `cause` is the probe's last error, if any. */
export class DeadlineExceededError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Another running harness (this process or another) already uses the data directory. */
export class DataDirInUseError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
