import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { tracer } from '../observability/powertools.ts';

/**
 * Every AWS client of the pipeline, created once per process and configured from the environment.
 * `<SERVICE>_ENDPOINT` (KINESIS_ENDPOINT, DYNAMODB_ENDPOINT, S3_ENDPOINT, SNS_ENDPOINT) points a
 * client at a local emulator; without it the client talks to AWS.
 */

function once<T>(create: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= create();
    return value;
  };
}

/** Region and, for a local endpoint, dummy credentials unless real ones are set. */
function baseConfig(endpoint: string | undefined) {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (!endpoint) return { region };
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
  return {
    region,
    endpoint,
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}

/**
 * Kinesis. The SDK's own retries are off (`maxAttempts: 1`): the producer owns the retry policy
 * and its deadline, and two layers of retries would multiply. A local endpoint gets HTTP/1.1
 * keep-alive (the SDK defaults to HTTP/2 for Kinesis): the functions only put and read, never
 * SubscribeToShard; concurrent PutRecords spread over a pool of connections instead of queueing
 * on one HTTP/2 session; and the fault-injection proxies of the tests, like most debugging
 * proxies, speak HTTP/1.1 only.
 */
export const kinesisClient = /* @__PURE__ */ once(() => {
  const endpoint = process.env.KINESIS_ENDPOINT;
  const client = new KinesisClient({
    ...baseConfig(endpoint),
    maxAttempts: 1,
    ...(endpoint ? { requestHandler: new NodeHttpHandler() } : {}),
  });
  return tracer.captureAWSv3Client(client);
});

export const dynamoDbClient = /* @__PURE__ */ once(() =>
  tracer.captureAWSv3Client(new DynamoDBClient(baseConfig(process.env.DYNAMODB_ENDPOINT))),
);

/** Document client: plain JS values in and out, `undefined` attributes dropped. */
export const dynamoDbDocumentClient = /* @__PURE__ */ once(() =>
  DynamoDBDocumentClient.from(dynamoDbClient(), { marshallOptions: { removeUndefinedValues: true } }),
);

/**
 * Local S3 (s3rver) needs path-style addressing, and checksums only where the API requires them:
 * it stores streamed bodies with the SDK's checksum chunk framing inside the object otherwise.
 */
export const s3Client = /* @__PURE__ */ once(() => {
  const endpoint = process.env.S3_ENDPOINT;
  const local = endpoint ? { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' as const } : {};
  return tracer.captureAWSv3Client(new S3Client({ ...baseConfig(endpoint), ...local }));
});

export const snsClient = /* @__PURE__ */ once(() =>
  tracer.captureAWSv3Client(new SNSClient(baseConfig(process.env.SNS_ENDPOINT))),
);
