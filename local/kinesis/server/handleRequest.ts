import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type * as K from '@aws-sdk/client-kinesis';
import { type KinesisAction, type KinesisApi, KinesisServiceError } from '../engine/api.ts';
import { accessDenied, cborUnsupported, internalFailure, serializationError, unknownOperation } from './errors.ts';
import { OPERATION_INPUTS } from './operationInputs.ts';
import { readBody } from './readBody.ts';
import { readInput } from './readInput.ts';
import { type OpenSubscriptions, serveSubscription } from './serveSubscription.ts';
import { toWire } from './toWire.ts';
import {
  CBOR_CONTENT_TYPE,
  JSON_CONTENT_TYPE,
  sendCborError,
  sendError,
  sendJson,
  type WireResponse,
} from './wireResponse.ts';

/** The X-Amz-Target prefix of every Kinesis action. */
const TARGET_PREFIX = 'Kinesis_20131202.';

export interface WireRequest extends Readable {
  readonly method?: string | undefined;
  readonly httpVersionMajor: number;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface RequestHandlerOptions {
  readonly api: KinesisApi;
  readonly subscriptions: OpenSubscriptions;
  readonly maxBodyBytes: number;
  readonly log: (line: string) => void;
}

type Dispatch = (input: Record<string, unknown>) => Promise<unknown>;

/**
 * The AWS JSON 1.1 front end: POST `/` with `X-Amz-Target: Kinesis_20131202.<Action>` and
 * `application/x-amz-json-1.1`; the body is checked against the action's member constraints
 * (`operationInputs.ts`), handed to the engine method of the same name, and its output answered
 * as JSON. Serves HTTP/1.1 and HTTP/2 (compat API) requests alike.
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/Welcome.html
 *
 * @example
 * const handler = createRequestHandler({ api: engine, subscriptions, maxBodyBytes: 16 << 20, log });
 * http.createServer(handler);
 */
export function createRequestHandler(options: RequestHandlerOptions): (req: WireRequest, res: WireResponse) => void {
  return (req, res) => {
    const requestId = randomUUID();
    handle(req, res, requestId, options).catch((error: unknown) => {
      const known = error instanceof KinesisServiceError;
      if (!known) options.log(`Kinesis request ${requestId} failed: ${describe(error)}`);
      try {
        sendError(res, known ? error : internalFailure(), requestId);
      } catch (sendFailure) {
        // The answer could not be written (the stream broke meanwhile): nothing is left to tell.
        options.log(`Kinesis request ${requestId} could not be answered: ${describe(sendFailure)}`);
      }
    });
  };
}

async function handle(req: WireRequest, res: WireResponse, requestId: string, options: RequestHandlerOptions) {
  const target = header(req, 'x-amz-target');
  const action = actionOf(target);
  const contentType = header(req, 'content-type').split(';')[0]?.trim().toLowerCase() ?? '';
  let body: Buffer;
  try {
    body = await readBody(req, options.maxBodyBytes);
  } catch (error) {
    // A client that went away gets no answer; a body over the limit is answered and the
    // connection closed, since the rest of the body was never read.
    if (!(error instanceof KinesisServiceError)) return;
    // HTTP/2 forbids connection headers; there, ending the response resets the unread stream.
    sendError(res, error, requestId, req.httpVersionMajor === 1 ? { connection: 'close' } : {});
    return;
  }
  if (req.method !== 'POST' || (contentType !== JSON_CONTENT_TYPE && target === '')) {
    sendError(res, accessDenied(), requestId);
    return;
  }
  if (contentType === CBOR_CONTENT_TYPE) {
    sendCborError(res, cborUnsupported(), requestId);
    return;
  }
  if (contentType !== JSON_CONTENT_TYPE) {
    // AWS answers an unsupported content type as it answers an unknown operation, with 404.
    sendError(res, new KinesisServiceError('UnknownOperationException', unsupportedType(contentType), 404), requestId);
    return;
  }
  if (action === undefined) {
    sendError(res, unknownOperation(target), requestId);
    return;
  }
  const input = readInput(OPERATION_INPUTS[action], parseJson(body));
  if (action === 'SubscribeToShard') {
    await serveSubscription(input as unknown as K.SubscribeToShardInput, res, { ...options, requestId });
    return;
  }
  const method = (options.api as unknown as Record<string, Dispatch>)[lowerFirst(action)];
  if (method === undefined) throw new Error(`The engine has no method for ${action}`);
  const output = await method.call(options.api, input);
  sendJson(res, 200, JSON.stringify(toWire(output ?? {})), requestId);
}

/** The action a target names, if the engine serves it. */
function actionOf(target: string): KinesisAction | undefined {
  if (!target.startsWith(TARGET_PREFIX)) return undefined;
  const action = target.slice(TARGET_PREFIX.length);
  return Object.hasOwn(OPERATION_INPUTS, action) ? (action as KinesisAction) : undefined;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw serializationError('The request body is empty');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw serializationError(`The request body is not valid JSON: ${(error as Error).message}`);
  }
}

function header(req: WireRequest, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function unsupportedType(contentType: string): string {
  return `Content-Type ${contentType || '(none)'} is not supported; send ${JSON_CONTENT_TYPE}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
