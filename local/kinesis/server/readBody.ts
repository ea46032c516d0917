import type { Readable } from 'node:stream';
import { bodyTooLarge } from './errors.ts';

/** The client went away before its body arrived: nobody is left to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('The client closed the request before its body was complete');
    this.name = 'ClientGoneError';
  }
}

/**
 * Reads a request body (HTTP/1.1 or HTTP/2 compat request) up to `limit` bytes. Rejects with a 413
 * `KinesisServiceError` as soon as the declared or received length passes the limit (without
 * buffering the rest), and with `ClientGoneError` when the request is aborted mid-body.
 *
 * @example
 * const body = await readBody(req, 16 * 1024 * 1024);
 */
export function readBody(request: Readable & { headers: Record<string, unknown> }, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(bodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onGone);
      request.off('aborted', onGone);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        cleanup();
        // Stop reading; the caller answers 413 and drops the connection (HTTP/1.1) or stream (HTTP/2).
        request.pause();
        reject(bodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, received));
    };
    const onGone = (): void => {
      cleanup();
      reject(new ClientGoneError());
    };
    // 'close' before 'end' is a truncated body (the peer hung up or reset the stream).
    const onClose = (): void => {
      if (!request.readableEnded) onGone();
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onGone);
    request.on('aborted', onGone);
    request.on('close', onClose);
  });
}
