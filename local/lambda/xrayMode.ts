/**
 * Puts the AWS X-Ray SDK in manual mode for the local runtime, before any handler module loads it,
 * unless the process says otherwise.
 *
 * Why: in its default automatic mode the SDK (`aws-xray-sdk-core`, loaded by Powertools Tracer)
 * creates a `cls-hooked` namespace when it is first imported, which installs an async hook with a
 * destroy callback for the whole process. Node then runs hooks on, and registers a destroy
 * callback for, every promise and async resource of everything in the process (the HTTP API, the
 * Kinesis engine, the mappings, the emulators): several % of the CPU and a lot of GC, measured
 * under load. Locally that buys nothing: Powertools Tracer is disabled outside a Lambda execution
 * environment (no `AWS_EXECUTION_ENV`), and the local runtime sets `POWERTOOLS_TRACE_ENABLED=false`
 * too, so no segment is ever opened. The handlers' code is unchanged, and on AWS the SDK keeps its
 * automatic mode (Lambda sets neither variable this way).
 * https://docs.aws.amazon.com/xray/latest/devguide/xray-sdk-nodejs-configuration.html#xray-sdk-nodejs-configuration-envvars
 *
 * Left alone when `AWS_XRAY_MANUAL_MODE` is already set (either way) or when the process looks
 * like a Lambda execution environment, where Tracer could be enabled and would need the context.
 *
 * @example
 * useManualXRayModeLocally(process.env); // before the first handler import
 */
export function useManualXRayModeLocally(env: NodeJS.ProcessEnv): void {
  if (env.AWS_XRAY_MANUAL_MODE !== undefined || env.AWS_EXECUTION_ENV) return;
  env.AWS_XRAY_MANUAL_MODE = 'true';
}
