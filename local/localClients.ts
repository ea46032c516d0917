import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Emulators } from './emulators.ts';

/**
 * The local runtime's own AWS clients (provisioning, the event source mappings, the dev token),
 * kept apart from `shared/aws/clients.ts`, which belongs to the functions: importing that module
 * would load the functions' Powertools singletons before their environment is applied.
 */
export function localClients(emulators: Pick<Emulators, 'endpoints' | 'region'>) {
  const base = { region: emulators.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const dynamodb = new DynamoDBClient({ ...base, endpoint: emulators.endpoints.dynamodb });
  return {
    // HTTP/1.1 keep-alive rather than the SDK's HTTP/2 default for Kinesis: the engine serves both,
    // and Node's HTTP/1.1 client answers a small request in about two thirds of the time (measured:
    // 2.0 vs 3.0 ms per sequential PutRecords), which the mappings' GetRecords polling feels. The
    // enhanced fan-out readers open their own HTTP/2 client for SubscribeToShard.
    kinesis: new KinesisClient({
      ...base,
      endpoint: emulators.endpoints.kinesis,
      requestHandler: new NodeHttpHandler(),
    }),
    dynamodb,
    documents: DynamoDBDocumentClient.from(dynamodb),
    s3: new S3Client({
      ...base,
      endpoint: emulators.endpoints.s3,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    }),
    sns: new SNSClient({ ...base, endpoint: emulators.endpoints.sns }),
  };
}
