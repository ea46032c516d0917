import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The pipeline as the local runtime runs it, derived from the CloudFormation template that
 * `serverless package --stage local` produces: there is no second, hand-written list. Every name
 * and ARN here is the local one, with intrinsic functions (Ref, Fn::GetAtt, Fn::Sub, ...) resolved.
 */
export interface LocalApp {
  region: string;
  accountId: string;
  stage: string;
  functions: LocalFunction[];
  routes: LocalRoute[];
  streams: LocalStream[];
  /** Enhanced fan-out consumers (AWS::Kinesis::StreamConsumer). */
  consumers: LocalStreamConsumer[];
  /** Kinesis event source mappings (AWS::Lambda::EventSourceMapping), all settings as in the template. */
  eventSourceMappings: LocalEventSourceMapping[];
  tables: LocalTable[];
  buckets: LocalBucket[];
  /** SNS topics; locally their messages go to the SNS endpoint's sink files. */
  topics: LocalTopic[];
  /** EventBridge schedule rules (`rate(...)`) that invoke a function. */
  schedules: LocalSchedule[];
}

export interface LocalTopic {
  logicalId: string;
  name: string;
  arn: string;
}

export interface LocalSchedule {
  logicalId: string;
  /** As written: `rate(1 minute)`. */
  expression: string;
  periodMs: number;
  /** The functions its targets invoke. */
  functionLogicalIds: string[];
}

export interface LocalFunction {
  logicalId: string;
  /** FunctionName, e.g. kinesis-pipeline-local-ingest. */
  name: string;
  arn: string;
  /** As in the template: `functions/ingest/handler.handler` (module path without extension, export). */
  handler: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  roleArn: string;
}

export interface LocalAuthorizer {
  name: string;
  functionLogicalId: string;
  /** e.g. ['$request.header.Authorization'] */
  identitySource: string[];
  enableSimpleResponses: boolean;
  payloadFormatVersion: string;
  resultTtlSeconds: number;
}

export interface LocalRoute {
  /** `POST /events`, `GET /items/{id}`, or `$default`. */
  routeKey: string;
  functionLogicalId: string;
  payloadFormatVersion: string;
  /** The integration's TimeoutInMillis, when the template sets one (API Gateway's default: 30 s). */
  integrationTimeoutMs?: number;
  authorizer?: LocalAuthorizer;
}

export interface LocalStream {
  logicalId: string;
  name: string;
  arn: string;
  /** From ShardCount when PROVISIONED; the local default (4) for ON_DEMAND. */
  shardCount: number;
  retentionHours: number;
  /** MaxRecordSizeInKiB: 1024 (the Kinesis default) up to 10240. */
  maxRecordSizeKiB: number;
}

export interface LocalStreamConsumer {
  logicalId: string;
  name: string;
  streamLogicalId: string;
}

export interface LocalEventSourceMapping {
  logicalId: string;
  functionLogicalId: string;
  streamLogicalId: string;
  /** Set when the mapping reads through an enhanced fan-out consumer. */
  consumerLogicalId?: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  startingPositionTimestamp?: number;
  parallelizationFactor: number;
  bisectBatchOnFunctionError: boolean;
  maximumRetryAttempts: number;
  maximumRecordAgeInSeconds: number;
  tumblingWindowInSeconds: number;
  functionResponseTypes: string[];
  /** FilterCriteria.Filters[].Pattern, each a JSON string. */
  filterPatterns: string[];
  enabled: boolean;
  /** DestinationConfig.OnFailure.Destination, resolved to a local ARN. */
  onFailureDestinationArn?: string;
}

export interface LocalTable {
  logicalId: string;
  name: string;
  /** CreateTable input built from the template (BillingMode kept; streams/SSE/PITR dropped). */
  definition: CreateTableCommandInput;
  ttlAttribute?: string;
}

export interface LocalBucket {
  logicalId: string;
  name: string;
}
