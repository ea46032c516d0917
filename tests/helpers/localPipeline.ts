import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { LocalEndpoints } from '../../local/endpointsFile.ts';

/**
 * AWS clients for a running local pipeline, as a user's tools would build them from endpoints.json.
 * (local/localClients.ts needs the emulators' TLS Kinesis endpoint, which endpoints.json does not publish.)
 */
export function clientsFor(endpoints: LocalEndpoints) {
  const base = { region: endpoints.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  return {
    // kinesis-local's plain port speaks HTTP/1.1 only; the SDK defaults to HTTP/2 for Kinesis.
    kinesis: new KinesisClient({ ...base, endpoint: endpoints.kinesis, requestHandler: new NodeHttpHandler() }),
    dynamodb: new DynamoDBClient({ ...base, endpoint: endpoints.dynamodb }),
    s3: new S3Client({ ...base, endpoint: endpoints.s3, forcePathStyle: true }),
  };
}

export interface PostEventsOptions {
  /** Extra request headers; they override the defaults (`content-type: application/json`). */
  headers?: Record<string, string>;
  /** The bearer token; the pipeline's dev token when omitted, no Authorization header when ''. */
  token?: string;
}

/**
 * POSTs `body` to the pipeline's `/events` over HTTP, as a producer does.
 *
 * @example
 * const { status, json } = await postEvents(endpoints, JSON.stringify([anEvent()]));
 */
export async function postEvents(endpoints: LocalEndpoints, body: string | Buffer, options: PostEventsOptions = {}) {
  const token = options.token ?? endpoints.token;
  const response = await fetch(`${endpoints.httpApi}/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...options.headers,
    },
    body,
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field by the tests
  return { status: response.status, headers: response.headers, json: (await response.json()) as any };
}
