/**
 * How the local runtime invokes a function, as Lambda's Invoke API reports it: a response, or a
 * function error (`FunctionError: Unhandled`) with the error's type and message. A timeout is a
 * function error too (errorType `Sandbox.Timedout`, as Lambda reports it).
 */
export type InvokeResult =
  | { ok: true; response: unknown; durationMs: number; requestId: string }
  | {
      ok: false;
      error: { errorType: string; errorMessage: string; timedOut: boolean };
      durationMs: number;
      requestId: string;
    };

/** Invokes the function with this CloudFormation logical id (e.g. `IngestLambdaFunction`). */
export type Invoke = (functionLogicalId: string, event: unknown) => Promise<InvokeResult>;
