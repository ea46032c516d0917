import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { LocalFunction } from '../app/model.ts';
import { LocalRuntimeError } from '../errors.ts';
import { handlerModuleUrl } from './handlerModules.ts';
import { jsonRoundTrip } from './jsonRoundTrip.ts';
import { lambdaContextFor } from './lambdaContext.ts';
import type { Invoke, InvokeResult } from './types.ts';
import { useManualXRayModeLocally } from './xrayMode.ts';

type Handler = (event: unknown, context: unknown) => unknown;

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * The module file and export a template `Handler` (`functions/ingest/handler.handler`) names,
 * resolved to the TypeScript source: the local runtime runs sources, not bundles. A handler must
 * name a module and an export (`<module>.<export>`), and the module must lie inside `root`: the
 * runtime imports it, so a template naming `../elsewhere.handler` or `/tmp/x.handler` must not
 * make it run code from outside the service. Throws a LocalRuntimeError otherwise.
 *
 * @example
 * handlerLocation('functions/ingest/handler.handler', repoRoot); // { file: '<repoRoot>/functions/ingest/handler.ts', exportName: 'handler' }
 */
export function handlerLocation(handler: string, root: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) {
    throw new LocalRuntimeError(
      `handler ${handler}: expected <module path>.<export name>, e.g. functions/x/handler.handler`,
    );
  }
  const base = resolve(root, handler.slice(0, dot));
  const inRoot = relative(resolve(root), base);
  if (inRoot === '' || inRoot === '..' || inRoot.startsWith(`..${sep}`) || isAbsolute(inRoot)) {
    throw new LocalRuntimeError(`handler ${handler}: the module must be inside ${resolve(root)}`);
  }
  const file = SOURCE_EXTENSIONS.map((ext) => base + ext).find(existsSync);
  if (!file) throw new LocalRuntimeError(`handler ${handler}: no source file ${base}{${SOURCE_EXTENSIONS.join(',')}}`);
  return { file, exportName: handler.slice(dot + 1) };
}

/**
 * Loads every function's handler in this process and invokes them as Lambda does: a fresh
 * context per invoke, the function's timeout enforced, errors reported as function errors.
 *
 * Functions share one process, unlike Lambda: each function's environment variables are applied to
 * `process.env` while its handler module loads (where the code reads its configuration), in turn.
 * A handler that times out is reported as Lambda reports it, but its promise cannot be killed.
 *
 * @example
 * const lambda = await loadLocalLambda(app.functions);
 * const result = await lambda.invoke('IngestLambdaFunction', event);
 */
export async function loadLocalLambda(functions: readonly LocalFunction[], root = process.cwd()) {
  const handlers = new Map<string, { fn: LocalFunction; handler: Handler }>();
  // Read once, when the X-Ray SDK first loads (with the first handler that traces).
  useManualXRayModeLocally(process.env);
  for (const fn of functions) {
    const { file, exportName } = handlerLocation(fn.handler, root);
    Object.assign(process.env, fn.environment, { AWS_LAMBDA_FUNCTION_NAME: fn.name });
    const module = (await import(await handlerModuleUrl(file, root))) as Record<string, unknown>;
    const handler = module[exportName];
    if (typeof handler !== 'function') {
      throw new LocalRuntimeError(`handler ${fn.handler}: ${file} exports no function "${exportName}"`);
    }
    handlers.set(fn.logicalId, { fn, handler: handler as Handler });
  }

  const invoke: Invoke = async (functionLogicalId, event) => {
    const entry = handlers.get(functionLogicalId);
    if (!entry) throw new LocalRuntimeError(`no function ${functionLogicalId} in the template`);
    return invokeWithTimeout(entry.fn, entry.handler, event);
  };
  return { invoke, functions: [...handlers.values()].map((h) => h.fn) };
}

async function invokeWithTimeout(fn: LocalFunction, handler: Handler, event: unknown): Promise<InvokeResult> {
  const started = Date.now();
  const timeoutMs = fn.timeoutSeconds * 1000;
  const context = lambdaContextFor(fn, started + timeoutMs);
  const requestId = context.awsRequestId;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolvePromise) => {
    timer = setTimeout(() => resolvePromise('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(() => handler(event, context)), timedOut]);
    const durationMs = Date.now() - started;
    if (outcome === 'timeout') {
      const errorMessage = `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`;
      return {
        ok: false,
        error: { errorType: 'Sandbox.Timedout', errorMessage, timedOut: true },
        durationMs,
        requestId,
      };
    }
    // Lambda serializes the response to JSON: what the caller gets is the JSON round trip.
    const response = jsonRoundTrip(outcome);
    return { ok: true, response, durationMs, requestId };
  } catch (error) {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    return {
      ok: false,
      error: { errorType: name, errorMessage: message, timedOut: false },
      durationMs: Date.now() - started,
      requestId,
    };
  } finally {
    clearTimeout(timer);
  }
}
