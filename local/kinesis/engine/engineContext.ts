import type { StreamStore, StreamStoreOptions } from '../storage/types.ts';
import type { KinesisEngineOptions } from './api.ts';
import type { ArnScope } from './arns.ts';

/** Opens one stream's record store (the storage module's `openStreamStore`, or a test's). */
export type OpenStore = (options: StreamStoreOptions) => Promise<StreamStore>;

/** The engine options with their defaults applied, shared by every module. */
export interface EngineContext extends ArnScope {
  dataDir: string;
  stateChangeMs: number;
  shardLimits: boolean;
  durability: 'os' | 'fsync';
  subscriptionMs: number;
  now: () => number;
  log: (line: string) => void;
  openStore: OpenStore;
}

/** AWS's defaults: https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html */
export const ENGINE_DEFAULTS = {
  accountId: '000000000000',
  stateChangeMs: 100,
  shardLimits: false,
  durability: 'os',
  subscriptionMs: 300_000,
} as const;

/**
 * @example resolveContext({ dataDir: '/tmp/k', region: 'us-east-1' }, openStreamStore).accountId // '000000000000'
 */
export function resolveContext(options: KinesisEngineOptions, defaultOpenStore: OpenStore): EngineContext {
  return {
    dataDir: options.dataDir,
    region: options.region,
    accountId: options.accountId ?? ENGINE_DEFAULTS.accountId,
    stateChangeMs: options.stateChangeMs ?? ENGINE_DEFAULTS.stateChangeMs,
    shardLimits: options.shardLimits ?? ENGINE_DEFAULTS.shardLimits,
    durability: options.durability ?? ENGINE_DEFAULTS.durability,
    subscriptionMs: options.subscriptionMs ?? ENGINE_DEFAULTS.subscriptionMs,
    now: options.now ?? Date.now,
    log: options.log ?? (() => {}),
    openStore: options.openStore ?? defaultOpenStore,
  };
}
