import { isRecord } from '../isRecord.ts';
import { asNumber, asString } from './cfn.ts';
import { TemplateError } from './errors.ts';
import type { LocalStack } from './localStack.ts';
import type { LocalStream, LocalStreamConsumer } from './model.ts';

/** Kinesis keeps records 24 hours unless RetentionPeriodHours says otherwise. */
const DEFAULT_RETENTION_HOURS = 24;
/** Nor records over 1 MiB unless MaxRecordSizeInKiB raises the limit. */
export const DEFAULT_MAX_RECORD_SIZE_KIB = 1024;

/**
 * Every AWS::Kinesis::Stream. An ON_DEMAND stream has no shard count to copy, so it gets
 * `defaultShardCount` locally; a PROVISIONED one (the default mode when StreamModeDetails is
 * absent) gets its ShardCount.
 *
 * @example
 * readStreams(stack, 4); // [{ logicalId: 'Stream', name: 'kinesis-pipeline-local-events', shardCount: 4, ... }]
 */
export function readStreams(stack: LocalStack, defaultShardCount: number): LocalStream[] {
  return stack.resourcesOfType('AWS::Kinesis::Stream').map((logicalId) => {
    const at = (name: string) => stack.propertyPath(logicalId, name);
    const modeDetails = stack.property(logicalId, 'StreamModeDetails');
    const mode = isRecord(modeDetails) ? modeDetails.StreamMode : undefined;
    const shardCount = stack.property(logicalId, 'ShardCount');
    const retention = stack.property(logicalId, 'RetentionPeriodHours');
    const maxRecordSize = stack.property(logicalId, 'MaxRecordSizeInKiB');
    return {
      logicalId,
      name: stack.ref(logicalId),
      arn: stack.getAtt(logicalId, 'Arn'),
      shardCount:
        mode === 'ON_DEMAND' || shardCount === undefined ? defaultShardCount : asNumber(shardCount, at('ShardCount')),
      retentionHours:
        retention === undefined ? DEFAULT_RETENTION_HOURS : asNumber(retention, at('RetentionPeriodHours')),
      maxRecordSizeKiB:
        maxRecordSize === undefined ? DEFAULT_MAX_RECORD_SIZE_KIB : asNumber(maxRecordSize, at('MaxRecordSizeInKiB')),
    };
  });
}

/**
 * Every AWS::Kinesis::StreamConsumer, tied to its stream by the resolved StreamARN.
 *
 * @example
 * readConsumers(stack, streams); // [{ logicalId: 'ArchiveConsumer', name: 'archive', streamLogicalId: 'Stream' }]
 */
export function readConsumers(stack: LocalStack, streams: readonly LocalStream[]): LocalStreamConsumer[] {
  return stack.resourcesOfType('AWS::Kinesis::StreamConsumer').map((logicalId) => {
    const path = stack.propertyPath(logicalId, 'StreamARN');
    const streamArn = asString(stack.property(logicalId, 'StreamARN'), path);
    const stream = streams.find((candidate) => candidate.arn === streamArn);
    if (stream === undefined) throw new TemplateError(path, `${streamArn} is not a stream of this template`);
    return { logicalId, name: stack.getAtt(logicalId, 'ConsumerName'), streamLogicalId: stream.logicalId };
  });
}
