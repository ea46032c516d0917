import '../../local/quietSdkNodeWarning.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { type LocalEndpoints, readLocalEndpoints } from '../../local/endpointsFile.ts';
import type { Consumer } from './consumers.ts';
import { RedriveError } from './errors.ts';

/** Everything a redrive or replay of one consumer talks to, locally or in AWS. */
export interface PipelineTarget {
  /** For messages: `the local pipeline` or `stack kinesis-pipeline-dev (eu-west-1)`. */
  where: string;
  region: string;
  s3: S3Client;
  lambda: LambdaClient;
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  /** The consumer's function (physical name). */
  functionName: string;
  /** Its execution role: Lambda puts it on every event record as `invokeIdentityArn`. */
  roleArn: string;
  failedBatchesBucket: string;
  archiveBucket: string;
  /** The aggregate consumer's table (for `replay --rebuild`). */
  aggregatesTable: string;
  /** The stream the consumer reads (`eventSourceARN` of the records). */
  streamArn: string;
}

export interface TargetOptions {
  /** A deployed stage: the stack `kinesis-pipeline-<stage>`. Without it, the local pipeline. */
  stage?: string;
  region?: string;
  /** Overrides the failure bucket (e.g. when the stack cannot be read). */
  bucket?: string;
  /** Overrides the function name. */
  functionName?: string;
  /** Where `npm start` published the local endpoints; default `.local/endpoints.json` (KP_LOCAL_DIR). */
  endpointsFile?: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Resolves the consumer's function and buckets: from `.local/endpoints.json` when no stage is
 * given (the pipeline `npm start` runs), or from the CloudFormation stack of the stage (its
 * outputs `<Name>FailedBatchesBucketName` and `ArchiveBucketName`, and its function and role
 * resources). Throws a RedriveError that says what is missing.
 *
 * @example
 * const target = await pipelineTarget(consumerNamed('aggregate'), { stage: 'dev', region: 'eu-west-1' });
 */
export async function pipelineTarget(consumer: Consumer, options: TargetOptions = {}): Promise<PipelineTarget> {
  if (options.stage === undefined) {
    const local = readLocalEndpoints(options.endpointsFile);
    if (!local) {
      throw new RedriveError('no local pipeline (.local/endpoints.json is missing): run npm start, or pass --stage');
    }
    return localTarget(consumer, local, options);
  }
  return awsTarget(consumer, options.stage, options);
}

function localTarget(consumer: Consumer, local: LocalEndpoints, options: TargetOptions): PipelineTarget {
  const base = { region: local.region, credentials: LOCAL_CREDENTIALS };
  const fn = local.functions?.[consumer.functionLogicalId];
  const functionName = options.functionName ?? fn?.name;
  const failedBatchesBucket = options.bucket ?? local.buckets[consumer.failedBatchesBucket];
  if (!local.lambda || !functionName) {
    throw new RedriveError(
      `the local pipeline publishes no Lambda endpoint or no ${consumer.functionLogicalId}: restart npm start`,
    );
  }
  if (!failedBatchesBucket) throw new RedriveError(`the local pipeline has no ${consumer.failedBatchesBucket}`);
  return {
    where: 'the local pipeline',
    region: local.region,
    // s3rver: path-style, and checksums only where required (it would store the chunk framing).
    s3: new S3Client({
      ...base,
      endpoint: local.s3,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    }),
    lambda: new LambdaClient({ ...base, endpoint: local.lambda }),
    // The local engine speaks the SDK's default for Kinesis (HTTP/2, cleartext) as well as HTTP/1.1.
    kinesis: new KinesisClient({ ...base, endpoint: local.kinesis }),
    dynamodb: new DynamoDBClient({ ...base, endpoint: local.dynamodb }),
    functionName,
    roleArn: fn?.roleArn ?? '',
    failedBatchesBucket,
    archiveBucket: local.buckets.ArchiveBucket ?? '',
    aggregatesTable: local.tables.AggregatesTable ?? '',
    streamArn: local.streamArn,
  };
}

async function awsTarget(consumer: Consumer, stage: string, options: TargetOptions): Promise<PipelineTarget> {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new RedriveError('no region: pass --region or set AWS_REGION');
  const stackName = `kinesis-pipeline-${stage}`;
  const stack = await readStack(stackName, region, [consumer.functionLogicalId, consumer.roleLogicalId]);
  const output = (key: string) => stack.outputs[key];
  const functionName = options.functionName ?? stack.resources[consumer.functionLogicalId];
  const failedBatchesBucket = options.bucket ?? output(`${consumer.failedBatchesBucket}Name`);
  if (!functionName) throw new RedriveError(`stack ${stackName} has no ${consumer.functionLogicalId}`);
  if (!failedBatchesBucket)
    throw new RedriveError(`stack ${stackName} has no output ${consumer.failedBatchesBucket}Name`);
  const roleName = stack.resources[consumer.roleLogicalId];
  return {
    where: `stack ${stackName} (${region})`,
    region,
    s3: new S3Client({ region }),
    lambda: new LambdaClient({ region }),
    kinesis: new KinesisClient({ region }),
    dynamodb: new DynamoDBClient({ region }),
    functionName,
    // The roles have no path (serverless.yml), so the ARN follows from the name and the stack's account.
    roleArn: roleName ? `arn:${stack.partition}:iam::${stack.accountId}:role/${roleName}` : '',
    failedBatchesBucket,
    archiveBucket: output('ArchiveBucketName') ?? '',
    aggregatesTable: output('AggregatesTableName') ?? '',
    streamArn: output('StreamArn') ?? '',
  };
}

interface StackFacts {
  outputs: Record<string, string>;
  /** Physical ids by logical id, for the resources asked for. */
  resources: Record<string, string>;
  partition: string;
  accountId: string;
}

/** Outputs and some resources' physical ids of a deployed stack, via @aws-sdk/client-cloudformation. */
async function readStack(stackName: string, region: string, logicalIds: string[]): Promise<StackFacts> {
  // Loaded on demand: only a redrive against AWS needs it, and a local one must work without it.
  const cfn = await import('@aws-sdk/client-cloudformation').catch((error: unknown) => {
    throw new RedriveError(
      'reading the stack needs @aws-sdk/client-cloudformation; pass --bucket and --function instead',
      { cause: error },
    );
  });
  const client = new cfn.CloudFormationClient({ region });
  const described = await client.send(new cfn.DescribeStacksCommand({ StackName: stackName })).catch((error) => {
    throw new RedriveError(`cannot read stack ${stackName} in ${region}: ${(error as Error).message}`, {
      cause: error,
    });
  });
  const stack = described.Stacks?.[0];
  const outputs = Object.fromEntries(
    (stack?.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])),
  );
  const resources: Record<string, string> = {};
  for (const logicalId of logicalIds) {
    const { StackResourceDetail: detail } = await client.send(
      new cfn.DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: logicalId }),
    );
    if (detail?.PhysicalResourceId) resources[logicalId] = detail.PhysicalResourceId;
  }
  // arn:aws:cloudformation:eu-west-1:123456789012:stack/kinesis-pipeline-dev/...
  const [, partition = 'aws', , , accountId = ''] = (stack?.StackId ?? '').split(':');
  return { outputs, resources, partition, accountId };
}
