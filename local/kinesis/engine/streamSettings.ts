import type * as K from '@aws-sdk/client-kinesis';
import { streamArn } from './arns.ts';
import { activeStream, type EngineState, markUpdating } from './engineState.ts';
import { invalidArgument, limitExceeded } from './errors.ts';
import {
  ACCOUNT_SHARD_LIMIT,
  DEFAULT_MAX_RECORD_KIB,
  DEFAULT_RETENTION_HOURS,
  MAX_RECORD_KIB,
  MAX_RETENTION_HOURS,
  ON_DEMAND_STREAM_LIMIT,
  SHARD_LEVEL_METRICS,
} from './limits.ts';
import { accountOpenShards } from './streamLifecycle.ts';

/**
 * Stream settings: retention, encryption, capacity mode, max record size, enhanced monitoring,
 * and the account limits (DescribeLimits).
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html
 */

function checkRetention(hours: number): void {
  if (!Number.isInteger(hours) || hours < DEFAULT_RETENTION_HOURS || hours > MAX_RETENTION_HOURS) {
    throw invalidArgument(
      `Minimum allowed retention period is ${DEFAULT_RETENTION_HOURS} hours. Maximum allowed retention period is ${MAX_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is out of range.`,
    );
  }
}

export async function increaseStreamRetentionPeriod(
  state: EngineState,
  input: K.IncreaseStreamRetentionPeriodInput,
): Promise<Record<string, never>> {
  const runtime = activeStream(state, input);
  const hours = input.RetentionPeriodHours ?? 0;
  checkRetention(hours);
  if (hours < runtime.meta.retentionHours) {
    throw invalidArgument(
      `Requested retention period (${hours} hours) for stream ${runtime.meta.name} can not be shorter than existing retention period (${runtime.meta.retentionHours} hours). Use DecreaseRetentionPeriod API.`,
    );
  }
  runtime.meta.retentionHours = hours;
  await state.registry.save();
  return {};
}

export async function decreaseStreamRetentionPeriod(
  state: EngineState,
  input: K.DecreaseStreamRetentionPeriodInput,
): Promise<Record<string, never>> {
  const runtime = activeStream(state, input);
  const hours = input.RetentionPeriodHours ?? 0;
  checkRetention(hours);
  if (hours > runtime.meta.retentionHours) {
    throw invalidArgument(
      `Requested retention period (${hours} hours) for stream ${runtime.meta.name} can not be longer than existing retention period (${runtime.meta.retentionHours} hours). Use IncreaseRetentionPeriod API.`,
    );
  }
  runtime.meta.retentionHours = hours;
  await state.registry.save();
  // AWS: data older than the new period becomes inaccessible at once, not at the next housekeeping pass.
  await runtime.store.trimBefore(state.ctx.now() - hours * 3_600_000);
  return {};
}

export async function startStreamEncryption(
  state: EngineState,
  input: K.StartStreamEncryptionInput,
): Promise<Record<string, never>> {
  const runtime = activeStream(state, input);
  if (input.EncryptionType !== 'KMS') throw invalidArgument('EncryptionType must be KMS to start encryption.');
  if (!input.KeyId) throw invalidArgument('KeyId is required.');
  runtime.meta.encryption = { type: 'KMS', keyId: input.KeyId };
  markUpdating(state, runtime);
  await state.registry.save();
  return {};
}

export async function stopStreamEncryption(
  state: EngineState,
  input: K.StopStreamEncryptionInput,
): Promise<Record<string, never>> {
  const runtime = activeStream(state, input);
  if (input.EncryptionType !== 'KMS') throw invalidArgument('EncryptionType must be KMS to stop encryption.');
  delete runtime.meta.encryption;
  markUpdating(state, runtime);
  await state.registry.save();
  return {};
}

/** Mode change; the shards stay as they are (AWS keeps the layout when switching). */
export async function updateStreamMode(
  state: EngineState,
  input: K.UpdateStreamModeInput,
): Promise<Record<string, never>> {
  const runtime = activeStream(state, { StreamARN: input.StreamARN });
  const mode = input.StreamModeDetails?.StreamMode;
  if (mode !== 'ON_DEMAND' && mode !== 'PROVISIONED')
    throw invalidArgument('StreamMode must be ON_DEMAND or PROVISIONED.');
  if (mode === runtime.meta.mode) {
    throw invalidArgument(`Stream ${runtime.meta.name} is already in ${mode} mode.`);
  }
  if (mode === 'ON_DEMAND') {
    const onDemand = state.registry.list().filter((r) => r.meta.mode === 'ON_DEMAND').length;
    if (onDemand >= ON_DEMAND_STREAM_LIMIT)
      throw limitExceeded(`On-demand stream limit of ${ON_DEMAND_STREAM_LIMIT} reached.`);
  }
  runtime.meta.mode = mode;
  markUpdating(state, runtime);
  await state.registry.save();
  return {};
}

export async function updateMaxRecordSize(
  state: EngineState,
  input: K.UpdateMaxRecordSizeInput,
): Promise<Record<string, never>> {
  const runtime = activeStream(state, { StreamARN: input.StreamARN });
  const size = input.MaxRecordSizeInKiB ?? 0;
  if (!Number.isInteger(size) || size < DEFAULT_MAX_RECORD_KIB || size > MAX_RECORD_KIB) {
    throw invalidArgument(`MaxRecordSizeInKiB must be between ${DEFAULT_MAX_RECORD_KIB} and ${MAX_RECORD_KIB}.`);
  }
  runtime.meta.maxRecordSizeKiB = size;
  await state.registry.save();
  return {};
}

/** Enable/Disable: the metrics are kept (no CloudWatch here); ALL expands to every metric name. */

async function changeMonitoring(
  state: EngineState,
  input: K.EnableEnhancedMonitoringInput,
  enable: boolean,
): Promise<K.EnhancedMonitoringOutput> {
  const runtime = activeStream(state, input);
  const current = [...runtime.meta.shardLevelMetrics];
  const asked = (input.ShardLevelMetrics ?? []).flatMap((m): string[] =>
    m === 'ALL' ? [...SHARD_LEVEL_METRICS] : [m],
  );
  const desired = enable ? [...new Set([...current, ...asked])] : current.filter((metric) => !asked.includes(metric));
  runtime.meta.shardLevelMetrics = desired;
  await state.registry.save();
  return {
    StreamName: runtime.meta.name,
    StreamARN: streamArn(state.ctx, runtime.meta.name),
    CurrentShardLevelMetrics: current as K.MetricsName[],
    DesiredShardLevelMetrics: desired as K.MetricsName[],
  };
}

export const enableEnhancedMonitoring = (state: EngineState, input: K.EnableEnhancedMonitoringInput) =>
  changeMonitoring(state, input, true);
export const disableEnhancedMonitoring = (state: EngineState, input: K.DisableEnhancedMonitoringInput) =>
  changeMonitoring(state, input, false);

export async function describeLimits(state: EngineState): Promise<K.DescribeLimitsOutput> {
  return {
    ShardLimit: ACCOUNT_SHARD_LIMIT,
    OpenShardCount: accountOpenShards(state),
    OnDemandStreamCount: state.registry.list().filter((r) => r.meta.mode === 'ON_DEMAND').length,
    OnDemandStreamCountLimit: ON_DEMAND_STREAM_LIMIT,
  };
}
