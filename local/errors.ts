/** Typed errors of the local runtime itself (the app model, emulators and HTTP API have their own). */

/**
 * The local pipeline cannot start or run as asked: the template lacks something it needs, a
 * handler cannot be loaded, or this process already serves another pipeline's endpoints.
 */
export class LocalRuntimeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
