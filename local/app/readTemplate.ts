import { asTemplate } from './cfn.ts';
import { createLocalStack } from './localStack.ts';
import type { LocalApp } from './model.ts';
import { readEventSourceMappings } from './readEventSourceMappings.ts';
import { readFunctions } from './readFunctions.ts';
import { readRoutes } from './readRoutes.ts';
import { readSchedules } from './readSchedules.ts';
import { readBuckets, readTables, readTopics } from './readStorage.ts';
import { readConsumers, readStreams } from './readStreams.ts';

export interface ReadLocalAppOptions {
  region: string;
  /** The local account (the Kinesis engine's default), so local ARNs match the ones it returns. */
  accountId?: string;
  stage: string;
  /** Shards for an ON_DEMAND stream, which has no count to copy. */
  defaultShardCount?: number;
  /** What AWS::StackName resolves to and generated names start with. Default `kinesis-pipeline-<stage>`. */
  stackName?: string;
}

const defaults = Object.freeze({ accountId: '000000000000', defaultShardCount: 4 });

/**
 * Derives the local app from the CloudFormation template that `serverless package` produced:
 * functions, HTTP routes, streams, consumers, event source mappings, tables, buckets, topics and
 * schedules, with every
 * Ref / Fn::GetAtt / Fn::Sub / ... resolved to local names and ARNs. Throws a TemplateError naming
 * the template path of anything it cannot read.
 *
 * @example
 * const { template } = await buildLocalTemplate();
 * const app = readLocalApp(template, { region: 'us-east-1', stage: 'local' });
 * app.functions.find((fn) => fn.logicalId === 'IngestLambdaFunction')?.environment.STREAM_NAME;
 */
export function readLocalApp(template: object, options: ReadLocalAppOptions): LocalApp {
  const { region, stage } = options;
  const accountId = options.accountId ?? defaults.accountId;
  const stack = createLocalStack(asTemplate(template), {
    region,
    accountId,
    stackName: options.stackName ?? `kinesis-pipeline-${stage}`,
  });
  const functions = readFunctions(stack);
  const streams = readStreams(stack, options.defaultShardCount ?? defaults.defaultShardCount);
  const consumers = readConsumers(stack, streams);
  return {
    region,
    accountId,
    stage,
    functions,
    routes: readRoutes(stack, functions),
    streams,
    consumers,
    eventSourceMappings: readEventSourceMappings(stack, { functions, streams, consumers }),
    tables: readTables(stack),
    buckets: readBuckets(stack),
    topics: readTopics(stack),
    schedules: readSchedules(stack, functions),
  };
}
