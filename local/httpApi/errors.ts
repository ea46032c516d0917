/** Typed errors of the local HTTP API. */

/**
 * A route or authorizer uses something the local HTTP API does not emulate (payload format 1.0,
 * IAM policy responses, an unknown identity source, a malformed route key). Raised by
 * `startHttpApi` before it listens, so a template change that needs more emulation fails loudly
 * instead of behaving differently from AWS.
 */
export class HttpApiConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
