/** Typed errors of the local app model: building the template, reading it, provisioning it. */

/** `serverless package` failed, hung or was killed; the message carries the end of its output. */
export class TemplateBuildError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A value of the template cannot be turned into the local model: a missing or malformed property,
 * a reference to a resource that is not there. `path` names the value
 * (`Resources.Stream.Properties.ShardCount`), and the message starts with it.
 */
export class TemplateError extends Error {
  constructor(
    readonly path: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${reason}`, options);
    this.name = new.target.name;
  }
}

/** An intrinsic function the local runtime cannot evaluate (unknown, or Fn::ImportValue). */
export class IntrinsicError extends TemplateError {}

/** Creating the local stream, consumers, tables or buckets failed; `errors` holds every failure. */
export class ProvisionError extends AggregateError {
  constructor(errors: unknown[], message: string) {
    super(errors, message, { cause: errors[0] });
    this.name = new.target.name;
  }
}
