import { PipelineError } from '../../shared/errors.ts';

/** The alert rules document is not valid: fails packaging (the osls plugin) or the cold start. */
export class AlertRulesError extends PipelineError {
  constructor(readonly problems: readonly string[]) {
    super(`invalid alert rules:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * The alert item of a (rule, group) kept changing under the consumer (other writers won every
 * conditional write): the records that matched it are reported failed, so Lambda delivers them again.
 */
export class AlertWriteConflictError extends PipelineError {
  constructor(
    readonly alertKey: string,
    attempts: number,
  ) {
    super(`alert ${alertKey}: still conflicting after ${attempts} conditional writes`);
  }
}

/**
 * Reading, writing or notifying an alert failed. Its records are reported failed; a notification
 * left `pending` is published by the next invocation that finds it (sweep or redelivery).
 */
export class AlertUpdateError extends PipelineError {
  constructor(
    message: string,
    readonly alertKey: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Some alerts could not be swept (each is logged); the next sweep tries them again. */
export class AlertSweepError extends PipelineError {
  constructor(readonly failed: number) {
    super(`${failed} alert(s) could not be swept; the next sweep tries again`);
  }
}
