/**
 * The stream consumers an operator can redrive or replay, with the CloudFormation logical ids of
 * what belongs to each (serverless.yml): its function, its S3 on-failure destination and that
 * bucket's stack output.
 */
export const CONSUMERS = Object.freeze({
  archive: {
    functionLogicalId: 'ArchiveLambdaFunction',
    roleLogicalId: 'ArchiveRole',
    failedBatchesBucket: 'ArchiveFailedBatchesBucket',
  },
  aggregate: {
    functionLogicalId: 'AggregateLambdaFunction',
    roleLogicalId: 'AggregateRole',
    failedBatchesBucket: 'AggregateFailedBatchesBucket',
  },
  alert: {
    functionLogicalId: 'AlertLambdaFunction',
    roleLogicalId: 'AlertRole',
    failedBatchesBucket: 'AlertFailedBatchesBucket',
  },
});

export type ConsumerName = keyof typeof CONSUMERS;
export type Consumer = (typeof CONSUMERS)[ConsumerName] & { name: ConsumerName };

/**
 * The consumer called `name`, or undefined.
 *
 * @example
 * consumerNamed('aggregate')?.functionLogicalId; // 'AggregateLambdaFunction'
 */
export function consumerNamed(name: string | undefined): Consumer | undefined {
  if (name === undefined || !Object.hasOwn(CONSUMERS, name)) return undefined;
  return { ...CONSUMERS[name as ConsumerName], name: name as ConsumerName };
}
