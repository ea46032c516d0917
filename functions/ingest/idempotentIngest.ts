import { createHash } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError, NothingWrittenError } from '../../shared/errors.ts';
import type { HttpResponse } from '../../shared/http/jsonResponse.ts';

/** What identifies a retried request: the caller's key, scoped to the producer, and the body it carried. */
interface IdempotencyInput {
  producer: string;
  key: string;
  bodyHash: string;
}

/**
 * Runs `respond` at most once per (producer, Idempotency-Key) within the TTL, using Powertools
 * idempotency on DynamoDB. A repeat with the same body gets the stored response; a different body
 * is refused (422). A response that wrote nothing (4xx, 503) is not stored, so the key stays usable.
 *
 * @example
 * const ingestOnce = idempotentResponder(persistenceStore, 3600);
 * await ingestOnce({ producer, key, body }, () => ingest());
 */
export function idempotentResponder(persistenceStore: BasePersistenceLayer, ttlSeconds: number) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[producer, key]',
    payloadValidationJmesPath: 'bodyHash',
    expiresAfterSeconds: ttlSeconds,
  });
  const storeResponse = makeIdempotent(
    async (_input: IdempotencyInput, respond: () => Promise<HttpResponse>) => {
      const response = await respond();
      if (response.statusCode !== 200 && response.statusCode !== 207) throw new NothingWrittenError(response);
      return response;
    },
    { persistenceStore, config },
  );

  return {
    config,
    async respond(
      request: { producer: string; key: string; body: string },
      respond: () => Promise<HttpResponse>,
    ): Promise<HttpResponse> {
      const bodyHash = createHash('sha256').update(request.body).digest('hex');
      try {
        return (await storeResponse(
          { producer: request.producer, key: request.key, bodyHash },
          respond,
        )) as HttpResponse;
      } catch (error) {
        if (error instanceof NothingWrittenError) return error.response as HttpResponse;
        throw translate(error);
      }
    },
  };
}

function translate(error: unknown): unknown {
  if (error instanceof IdempotencyValidationError) {
    return new IdempotencyKeyReusedError('this Idempotency-Key was already used with a different body', {
      cause: error,
    });
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return new IdempotencyKeyInProgressError('a request with this Idempotency-Key is still in progress', {
      cause: error,
    });
  }
  return error;
}
