import { describe, expect, it } from 'vitest';
import {
  ALTERNATIVES,
  type Alternative,
  alternativesSection,
  billedBytes,
  COMPONENTS,
  CONFIGURATION,
  costModel,
  DEFAULT_MEASUREMENTS,
  DEFAULT_WORKLOAD,
  PRICES,
  priceAlternatives,
  provisionedShards,
  recordBytesOf,
  recordsPerInvoke,
  SOURCES,
  THIS_CONFIGURATION,
} from '../../bench/costModel.ts';

const total = (lines: ReturnType<typeof costModel>) => lines.reduce((sum, line) => sum + line.monthlyUsd, 0);
const line = (lines: ReturnType<typeof costModel>, component: string, item: RegExp) =>
  lines.find((l) => l.component === component && item.test(l.item));
const kinesis = (lines: ReturnType<typeof costModel>) => lines.filter((l) => l.component.startsWith('Kinesis'));
const GB = 1024 ** 3;
/** The default workload's month: 1,000 events/s for 30 days, one event a record. */
const RECORDS = 1_000 * 30 * 86_400;
const HOURS = 30 * 24;

const onDemandShared: Alternative = { stream: 'on-demand', reads: 'shared', archive: 'lambda' };
const provisionedEfo: Alternative = { stream: 'provisioned', reads: 'efo', archive: 'lambda' };
const provisionedShared: Alternative = { stream: 'provisioned', reads: 'shared', archive: 'lambda' };
const firehose: Alternative = { stream: 'on-demand', reads: 'efo', archive: 'firehose' };

describe('cost model with KPL aggregation (events per record)', () => {
  it('is unchanged at one event per record', () => {
    expect(costModel({ ...DEFAULT_WORKLOAD, eventsPerRecord: 1 }, DEFAULT_MEASUREMENTS)).toEqual(
      costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS),
    );
  });

  it('bills the stream by aggregated records rounded up to 1 KB, not by events', () => {
    // 500 B events: 1 KB billed each alone; 20 to a record of ~10 KB: 10 KB billed per 20 events.
    const alone = costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS);
    const packed = costModel({ ...DEFAULT_WORKLOAD, eventsPerRecord: 20 }, DEFAULT_MEASUREMENTS);
    const dataIn = (lines: typeof alone) => line(lines, 'Kinesis (on-demand)', /^data in/)?.monthlyUsd ?? Number.NaN;
    expect(recordBytesOf(500, 20)).toBe(30 + 20 * 508);
    expect(dataIn(packed) / dataIn(alone)).toBeCloseTo(Math.ceil(recordBytesOf(500, 20) / 1024) / 20, 5);
    expect(total(packed)).toBeLessThan(total(alone));
  });

  it('caps a batch at the 6 MB invoke payload once records are large', () => {
    expect(recordsPerInvoke(15, CONFIGURATION.archive)).toBe(900);
    const capped = recordsPerInvoke(15, CONFIGURATION.archive, 8_500);
    expect(capped).toBeLessThan(900);
    expect(capped * (4 * Math.ceil(8_500 / 3) + 600)).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});

describe('cost model prices (issue 11)', () => {
  it('bills this configuration with the default argument', () => {
    expect(costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS, THIS_CONFIGURATION)).toEqual(
      costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS),
    );
  });

  it('bills on-demand enhanced fan-out per GB only: no consumer-shard hours', () => {
    for (const alternative of [THIS_CONFIGURATION, onDemandShared, firehose]) {
      const lines = costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS, alternative);
      expect(kinesis(lines).map((l) => l.item.split(',')[0])).not.toContain('EFO consumer-shard hours');
      expect(kinesis(lines).some((l) => l.item.startsWith('shard hours'))).toBe(false);
    }
    const efo = line(costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS), 'Kinesis (on-demand)', /^EFO retrieval/);
    const gb = (RECORDS * 1024) / GB;
    expect(efo?.monthlyUsd).toBeCloseTo(gb * 3 * 0.05, 6);
  });

  it('bills shared reads at $0.04/GB on-demand, and nothing on a provisioned stream', () => {
    const gb = (RECORDS * 1024) / GB;
    const shared = costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS, onDemandShared);
    expect(line(shared, 'Kinesis (on-demand)', /^GetRecords retrieval, 3 consumers/)?.monthlyUsd).toBeCloseTo(
      gb * 3 * 0.04,
      6,
    );
    expect(line(shared, 'Kinesis (on-demand)', /^EFO/)).toBeUndefined();
    const provisioned = costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS, provisionedShared);
    expect(line(provisioned, 'Kinesis (provisioned)', /^GetRecords retrieval/)?.monthlyUsd).toBe(0);
    // Shared reads change only the Kinesis lines.
    const ours = costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS);
    const rest = (lines: typeof ours) => lines.filter((l) => !l.component.startsWith('Kinesis'));
    expect(rest(shared)).toEqual(rest(ours));
  });

  it('bills a provisioned stream shard hours, PUT payload units and, for EFO, consumer-shard hours', () => {
    const { shards } = provisionedShards(DEFAULT_WORKLOAD, provisionedEfo);
    const lines = kinesis(costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS, provisionedEfo));
    expect(lines.map((l) => l.item.split(',')[0])).toEqual([
      'shard hours',
      'PUT payload units (a unit per started 25 KB of record)',
      'EFO consumer-shard hours',
      'EFO retrieval',
    ]);
    const [shardHours, putUnits, consumerShardHours, efo] = lines.map((l) => l.monthlyUsd);
    expect(shardHours).toBeCloseTo(shards * HOURS * 0.015, 6);
    expect(putUnits).toBeCloseTo((RECORDS / 1e6) * 0.014, 6);
    expect(consumerShardHours).toBeCloseTo(3 * shards * HOURS * 0.015, 6);
    expect(efo).toBeCloseTo(((RECORDS * 1024) / GB) * 3 * 0.013, 6);
  });

  it('counts a PUT payload unit per started 25 KB of record', () => {
    const big = { ...DEFAULT_WORKLOAD, eventBytes: 26 * 1024 };
    const units = line(costModel(big, DEFAULT_MEASUREMENTS, provisionedShared), 'Kinesis (provisioned)', /^PUT/);
    expect(units?.monthlyUsd).toBeCloseTo(((RECORDS * 2) / 1e6) * 0.014, 6);
  });

  it('sizes a provisioned stream from the workload', () => {
    // 1,000 records/s of 500 B: one shard's 1,000 records/s, plus 20% headroom: 2 shards.
    expect(provisionedShards(DEFAULT_WORKLOAD, provisionedEfo)).toEqual({
      shards: 2,
      bound: 'records in',
      needed: 1,
    });
    // 5,000 events/s: 5 shards by records, 6 with headroom.
    expect(provisionedShards({ ...DEFAULT_WORKLOAD, eventsPerSecond: 5_000 }, provisionedEfo).shards).toBe(6);
    // 100 events/s of 8 KB: 0.78 MiB/s in (1 shard with headroom); three pollers read 2.34 MiB/s of a
    // shard's shared 2 MiB/s (2 shards), where EFO consumers read on their own.
    const big = { ...DEFAULT_WORKLOAD, eventsPerSecond: 100, eventBytes: 8 * 1024 };
    expect(provisionedShards(big, provisionedEfo)).toMatchObject({ shards: 1, bound: 'bytes in' });
    expect(provisionedShards(big, provisionedShared)).toMatchObject({ shards: 2, bound: 'shared reads' });
    // Aggregated records: 20 events a record is 50 records/s of ~10 KB (11 KB billed): bytes bind.
    expect(provisionedShards({ ...DEFAULT_WORKLOAD, eventsPerRecord: 20 }, provisionedEfo)).toMatchObject({
      shards: 1,
      bound: 'bytes in',
    });
  });

  it('bills Firehose each record rounded up to 5 KB', () => {
    expect(billedBytes(500, 5 * 1024)).toBe(5 * 1024);
    expect(billedBytes(5 * 1024, 5 * 1024)).toBe(5 * 1024);
    expect(billedBytes(5 * 1024 + 1, 5 * 1024)).toBe(10 * 1024);
    const ingestion = (workload: typeof DEFAULT_WORKLOAD) =>
      line(costModel(workload, DEFAULT_MEASUREMENTS, firehose), 'Firehose', /^ingestion/)?.monthlyUsd ?? Number.NaN;
    expect(ingestion(DEFAULT_WORKLOAD)).toBeCloseTo(((RECORDS * 5 * 1024) / GB) * 0.029, 6);
    // 4,000-byte events bill the same 5 KB as 500-byte ones.
    expect(ingestion({ ...DEFAULT_WORKLOAD, eventBytes: 4_000 })).toBeCloseTo(ingestion(DEFAULT_WORKLOAD), 6);
    // 20 events of 500 B a record (10,190 B): 10 KB billed per 20 events; 21 (10,698 B): 15 KB per 21.
    expect(ingestion({ ...DEFAULT_WORKLOAD, eventsPerRecord: 20 })).toBeCloseTo(
      ((RECORDS / 20) * 10 * 1024 * 0.029) / GB,
      6,
    );
    expect(ingestion({ ...DEFAULT_WORKLOAD, eventsPerRecord: 21 })).toBeCloseTo(
      ((RECORDS / 21) * 15 * 1024 * 0.029) / GB,
      6,
    );
  });

  it('replaces the archive Lambda and its EFO consumer with Firehose, which polls', () => {
    const lines = costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS, firehose);
    expect(lines.some((l) => l.component === 'Lambda' && l.item.startsWith('archive'))).toBe(false);
    expect(line(lines, 'S3', /^archive PUT/)).toBeUndefined();
    expect(line(lines, 'Kinesis (on-demand)', /^EFO retrieval, 2 consumers/)).toBeDefined();
    expect(line(lines, 'Kinesis (on-demand)', /^GetRecords retrieval, 1 consumer \(Firehose\)/)).toBeDefined();
    expect(line(lines, 'S3', /^Firehose objects/)?.quantity).toBe('0.0 M requests'); // 43,200 objects: one a minute
  });

  it('bills the INIT phase and the alarms', () => {
    const lines = costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS);
    expect(line(lines, 'Lambda', /^INIT/)?.monthlyUsd).toBeGreaterThan(0);
    expect(line(lines, 'CloudWatch', /alarms/)?.monthlyUsd).toBeCloseTo(CONFIGURATION.alarms * 0.1, 6);
    const slower = costModel(DEFAULT_WORKLOAD, { ...DEFAULT_MEASUREMENTS, initMs: 500 });
    expect(line(slower, 'Lambda', /^INIT/)?.monthlyUsd).toBeCloseTo(
      2 * (line(lines, 'Lambda', /^INIT/)?.monthlyUsd ?? 0),
      9,
    );
  });

  it('prices every alternative, this configuration first, each total the sum of its columns', () => {
    const priced = priceAlternatives(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS);
    expect(priced.map((p) => p.alternative)).toEqual(ALTERNATIVES.map((a) => a.alternative));
    expect(priced[0]?.total).toBeCloseTo(total(costModel(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS)), 9);
    for (const p of priced) expect(COMPONENTS.reduce((sum, c) => sum + p.byComponent[c], 0)).toBeCloseTo(p.total, 9);
    const byName = (pattern: RegExp) => priced.find((p) => pattern.test(p.name))?.total ?? Number.NaN;
    // Shared reads save the EFO premium ($0.01/GB on-demand); provisioned is cheaper at this steady rate.
    expect(byName(/^this/) - byName(/^\(a\)/)).toBeCloseTo(((RECORDS * 1024) / GB) * 3 * 0.01, 6);
    expect(byName(/^\(b\) provisioned, 3 consumers on shared/)).toBeLessThan(byName(/^\(b\) provisioned, 3 EFO/));
    expect(byName(/^\(b\) provisioned, 3 EFO/)).toBeLessThan(byName(/^this/));
  });

  it('renders the comparison with its sources', () => {
    const section = alternativesSection(DEFAULT_WORKLOAD, DEFAULT_MEASUREMENTS);
    for (const { name } of ALTERNATIVES) expect(section).toContain(`| ${name} |`);
    for (const { url } of Object.values(SOURCES)) expect(section).toContain(url);
    expect(section).toContain('5 GetRecords calls a second');
  });

  it('keeps the prices the issue checked', () => {
    expect(PRICES.kinesisOnDemand).toEqual({
      streamHour: 0.04,
      ingestPerGb: 0.08,
      retrievalPerGb: 0.04,
      efoRetrievalPerGb: 0.05,
    });
    expect(PRICES.dynamoDbOnDemand.perMillionWrites).toBe(0.625);
    expect(PRICES.dynamoDbOnDemand.perMillionReads).toBe(0.125);
  });
});
