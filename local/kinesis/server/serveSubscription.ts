import type * as K from '@aws-sdk/client-kinesis';
import { type KinesisApi, KinesisServiceError } from '../engine/api.ts';
import { exceptionFrame, initialResponseFrame, subscribeToShardEventFrame } from './eventStreamFrames.ts';
import { toWire } from './toWire.ts';
import { sendError, type WireResponse } from './wireResponse.ts';

/** The open subscriptions, so that stopping the server ends them (their signal aborts). */
export class OpenSubscriptions {
  readonly #controllers = new Set<AbortController>();

  open(): AbortController {
    const controller = new AbortController();
    this.#controllers.add(controller);
    return controller;
  }

  close(controller: AbortController): void {
    this.#controllers.delete(controller);
  }

  abortAll(): void {
    for (const controller of this.#controllers) controller.abort();
  }
}

export interface SubscriptionContext {
  readonly api: KinesisApi;
  readonly subscriptions: OpenSubscriptions;
  readonly requestId: string;
  readonly log: (line: string) => void;
}

/**
 * Serves SubscribeToShard: errors the engine throws before the stream starts are a normal JSON error
 * answer; then 200 with `application/vnd.amazon.eventstream`, an initial-response frame, one
 * `SubscribeToShardEvent` frame per event, and the end of the body when the engine's iterable ends.
 * An error after that is an exception frame. The client going away (or the server stopping) aborts
 * the engine's signal.
 *
 * @example
 * await serveSubscription(input, res, { api: engine, subscriptions, requestId, log });
 */
export async function serveSubscription(
  input: K.SubscribeToShardInput,
  res: WireResponse,
  context: SubscriptionContext,
): Promise<void> {
  const controller = context.subscriptions.open();
  const abort = (): void => controller.abort();
  res.once('close', abort);
  try {
    let events: AsyncIterable<K.SubscribeToShardEvent>;
    try {
      events = await context.api.subscribeToShard(input, controller.signal);
    } catch (error) {
      sendError(res, asServiceError(error, context), context.requestId);
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-RequestId': context.requestId,
    });
    await streamEvents(events, res, controller.signal, context);
  } finally {
    res.off('close', abort);
    context.subscriptions.close(controller);
    controller.abort();
  }
}

async function streamEvents(
  events: AsyncIterable<K.SubscribeToShardEvent>,
  res: WireResponse,
  signal: AbortSignal,
  context: SubscriptionContext,
): Promise<void> {
  try {
    await write(res, initialResponseFrame(), signal);
    for await (const event of events) {
      if (signal.aborted) break;
      await write(res, subscribeToShardEventFrame(JSON.stringify(toWire(event))), signal);
    }
    if (!res.destroyed) res.end();
  } catch (error) {
    if (signal.aborted || res.destroyed) return;
    const failure = asServiceError(error, context);
    // Inside the event stream, AWS's unexpected-failure member is InternalFailureException.
    const code = failure.code === 'InternalFailure' ? 'InternalFailureException' : failure.code;
    res.end(exceptionFrame(code, failure.message));
  }
}

/** Writes one frame, waiting for the client to drain a full buffer (or to go away, or the subscription to end). */
function write(res: WireResponse, frame: Uint8Array, signal: AbortSignal): Promise<void> {
  if (signal.aborted || res.destroyed) return Promise.resolve();
  if (res.write(frame)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function asServiceError(error: unknown, context: SubscriptionContext): KinesisServiceError {
  if (error instanceof KinesisServiceError) return error;
  context.log(`SubscribeToShard ${context.requestId} failed: ${error instanceof Error ? error.stack : String(error)}`);
  return new KinesisServiceError(
    'InternalFailure',
    'The request processing has failed because of an unknown error.',
    500,
  );
}
