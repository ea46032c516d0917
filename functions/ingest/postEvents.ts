import type { APIGatewayProxyEventV2WithLambdaAuthorizer, Context } from 'aws-lambda';
import { fromAuthorizerContext } from '../../shared/auth/authorizerContext.ts';
import { BodyParseError } from '../../shared/errors.ts';
import type { HttpResponse } from '../../shared/http/jsonResponse.ts';
import type { BodyLimits } from '../../shared/http/parseEvents.ts';
import type { Producer } from '../../shared/kinesis/producer.ts';
import type { idempotentResponder } from './idempotentIngest.ts';
import { ingestEvents } from './ingestEvents.ts';
import { recordIngestMetrics } from './ingestMetrics.ts';
import { ingestResponse, summarize } from './ingestResponse.ts';

export type PostEventsRequest = APIGatewayProxyEventV2WithLambdaAuthorizer<Record<string, unknown>>;

export interface PostEventsDependencies {
  producer: Producer;
  limits: BodyLimits;
  idempotency: ReturnType<typeof idempotentResponder>;
  /** Time kept back from the Lambda timeout to answer after the last PutRecords attempt. */
  deadlineReserveMs: number;
  now?: () => Date;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Most events in a request with an Idempotency-Key. Its response is stored in a DynamoDB item, at
 * most 400 KB; a response too big to store would fail the request after its events were written
 * (500), and the producer's retry would then write them again. A result takes up to about 300 bytes.
 */
export const MAX_IDEMPOTENT_EVENTS = 1_000;

/**
 * POST /events: who is calling (from the authorizer), the deadline (from the Lambda's remaining
 * time), then the events, through the idempotency store when an `Idempotency-Key` is sent.
 */
export async function postEvents(
  event: PostEventsRequest,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  deps: PostEventsDependencies,
): Promise<HttpResponse> {
  const receivedAt = deps.now?.() ?? new Date();
  const caller = fromAuthorizerContext(event.requestContext.authorizer?.lambda);
  const request = {
    requestId: event.requestContext.requestId,
    receivedAt,
    http: { body: event.body, isBase64Encoded: event.isBase64Encoded, headers: event.headers ?? {} },
    caller,
    deadline: receivedAt.getTime() + context.getRemainingTimeInMillis() - deps.deadlineReserveMs,
  };
  const key = request.http.headers['idempotency-key'];
  const limits =
    key === undefined
      ? deps.limits
      : {
          ...deps.limits,
          maxEvents: Math.min(deps.limits.maxEvents, MAX_IDEMPOTENT_EVENTS),
          maxEventsReason: 'with an Idempotency-Key (its response is stored); send more without one, or split',
        };
  const respond = async () => {
    const outcome = await ingestEvents(request, { ...deps, limits });
    const summary = summarize(outcome.results);
    recordIngestMetrics(outcome, summary);
    return ingestResponse(request.requestId, outcome.results, summary);
  };
  if (key === undefined) return respond();
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new BodyParseError('Idempotency-Key must be 1..255 visible ASCII characters');
  }
  const { headers } = request.http;
  // The same bytes under another encoding or type are another request.
  const body = [headers['content-type'] ?? '', headers['content-encoding'] ?? '', event.body ?? ''].join('\n');
  return deps.idempotency.respond({ producer: caller.producer, key, body }, respond);
}
