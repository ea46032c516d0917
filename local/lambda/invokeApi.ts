import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LocalFunction } from '../app/model.ts';
import { closeHttpServer, LOOPBACK, listen } from '../emulators/servers.ts';
import type { Invoke } from './types.ts';

export interface InvokeApiOptions {
  functions: readonly LocalFunction[];
  /** Invokes by CloudFormation logical id: the runtime's `lambda.invoke`. */
  invoke: Invoke;
  /** 0 picks a free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** One line per request: function, status, duration. Default: discard. */
  log?: (line: string) => void;
}

export interface InvokeApi {
  url: string;
  port: number;
  /** Stops accepting connections; in-flight invokes are cut after 1 s. Idempotent. */
  close(): Promise<void>;
}

/** Lambda's synchronous request payload limit, as for the event source mapping (6 MB). */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Serves AWS Lambda's Invoke REST API for the local functions, so tools use the same AWS SDK code
 * (`new LambdaClient({ endpoint })` + `InvokeCommand`) locally and against AWS.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 *
 * - `POST /2015-03-31/functions/{FunctionName}/invocations`; FunctionName is the function's
 *   physical name or ARN (a `:$LATEST` qualifier is accepted, others are not deployed locally).
 * - `X-Amz-Invocation-Type`: `RequestResponse` (default) answers 200 with the function's JSON
 *   result, or 200 with `X-Amz-Function-Error: Unhandled` and `{"errorType","errorMessage"}` when
 *   the function threw or timed out; `DryRun` answers 204 without invoking. `Event` (asynchronous)
 *   is refused: nothing local retries it or has a destination for it.
 * - Errors of the API itself use the AWS JSON error shape (`x-amzn-ErrorType`, `__type`,
 *   `Message`): 404 ResourceNotFoundException, 400 InvalidRequestContentException, 413
 *   RequestTooLargeException.
 *
 * @example
 * const api = await startInvokeApi({ functions: app.functions, invoke: lambda.invoke, port: 4574 });
 * await new LambdaClient({ endpoint: api.url, region }).send(new InvokeCommand({ FunctionName, Payload }));
 */
export async function startInvokeApi(options: InvokeApiOptions): Promise<InvokeApi> {
  const byName = new Map<string, LocalFunction>();
  for (const fn of options.functions) {
    byName.set(fn.name, fn);
    byName.set(fn.arn, fn);
  }
  const log = options.log ?? (() => {});
  const server = createServer((req, res) => {
    const started = performance.now();
    const requestId = randomUUID();
    handle(req, byName, options.invoke).then(
      (reply) => {
        send(res, reply, requestId);
        log(`lambda ${req.method} ${req.url} ${reply.status} ${Math.round(performance.now() - started)}ms`);
      },
      (error: unknown) => send(res, awsError(500, 'ServiceException', String(error)), requestId),
    );
  });
  const port = await listen(server, options.port ?? 0, options.host ?? LOOPBACK);
  const host = options.host ?? LOOPBACK;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () => (closing ??= closeHttpServer(server)),
  };
}

async function handle(req: IncomingMessage, byName: Map<string, LocalFunction>, invoke: Invoke): Promise<Reply> {
  const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
  const match = INVOKE_PATH.exec(path);
  if (req.method !== 'POST' || !match?.[1]) {
    return awsError(
      404,
      'UnknownOperationException',
      `${req.method} ${path} is not an operation of this local Lambda API (Invoke only)`,
    );
  }
  const qualifier = new URL(req.url ?? '/', 'http://local').searchParams.get('Qualifier');
  const fn = byName.get(match[1]) ?? byName.get(match[1].replace(/:\$LATEST$/, ''));
  if (!fn || (qualifier !== null && qualifier !== '$LATEST')) {
    const arn = match[1].startsWith('arn:') ? match[1] : `function ${match[1]}`;
    return awsError(404, 'ResourceNotFoundException', `Function not found: ${arn}${qualifier ? `:${qualifier}` : ''}`);
  }
  const body = await readBody(req);
  if (body === undefined)
    return awsError(
      413,
      'RequestTooLargeException',
      'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    );
  const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  if (invocationType === 'DryRun') return { status: 204, headers: executed(), body: '' };
  if (invocationType !== 'RequestResponse') {
    return awsError(
      400,
      'InvalidParameterValueException',
      `X-Amz-Invocation-Type ${invocationType} is not supported locally (RequestResponse, DryRun)`,
    );
  }
  let event: unknown;
  try {
    event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    return awsError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
  }
  const result = await invoke(fn.logicalId, event);
  if (result.ok) return { status: 200, headers: executed(), body: JSON.stringify(result.response) };
  const { errorType, errorMessage } = result.error;
  return {
    status: 200,
    headers: { ...executed(), 'x-amz-function-error': 'Unhandled' },
    body: JSON.stringify({ errorType, errorMessage }),
  };
}

const executed = () => ({ 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });

/** AWS's JSON error shape: the SDK reads the error name from x-amzn-ErrorType or `__type`. */
function awsError(status: number, type: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ __type: type, Message: message, Type: 'User' }),
  };
}

/** The body, or undefined when it is over the limit (read to the end, so the reply can be sent, but not kept). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
  }
  return size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks);
}

function send(res: ServerResponse, reply: Reply, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  res.setHeader('x-amzn-requestid', requestId);
  res.setHeader('content-length', Buffer.byteLength(reply.body));
  res.writeHead(reply.status);
  res.end(reply.body);
}
