import { benchEvents } from './benchEvents.ts';
import { type PipelineProcess, waitForConsumers } from './pipelineProcess.ts';
import type { Consumer } from './throughput.ts';

export interface RateStep {
  offered: number;
  seconds: number;
  /** Events accepted over the step's wall time (first send to last answer). */
  acceptedPerSecond: number;
  requests: number;
  /** Answers other than 200 (or requests that failed outright), by status. */
  non200: Record<string, number>;
  /** Per consumer: ms after the step's last answer until its checkpoints reached the markers put then. */
  caughtUpMs: Record<Consumer, number | undefined>;
  /** Accepted >= 95% of offered, every answer 200, every consumer caught up within `settleMs`. */
  held: boolean;
}

export interface SustainedRateOptions {
  /** Offered rates, events/s, in order. Default 1,000, 2,000, 3,000, 4,000, 6,000. */
  steps?: number[];
  /** Length of each step. Default 20 s. */
  stepSeconds?: number;
  /** A consumer keeps up when it has processed the step's events this long after its last answer. Default 5 s. */
  settleMs?: number;
  /** Most requests in flight; when reached, sending waits (and the accepted rate falls). Default 32. */
  maxInFlight?: number;
  progress?: (line: string) => void;
}

const DEFAULTS = { steps: [1_000, 2_000, 3_000, 4_000, 6_000], stepSeconds: 20, settleMs: 5_000, maxInFlight: 32 };
/** Requests per second at each step; a request carries rate/10 events, split at 500. */
const TICKS_PER_SECOND = 10;
const MAX_EVENTS_PER_REQUEST = 500;

/**
 * The highest rate the local pipeline sustains from HTTP ingest to all three consumers: POST
 * /events at a steady offered rate (ten requests a second, not waiting for answers, at most
 * `maxInFlight` outstanding) for `stepSeconds`, then each consumer must have processed the step's
 * events within `settleMs` of the last answer: its checkpoints must reach the marker records put
 * into every shard after the last answer (`waitForConsumers`). Between steps every consumer drains (up to 60 s)
 * so each step starts level. Stepping stops after the first step not held.
 *
 * @example
 * const steps = await benchSustainedRate(pipeline, { steps: [1_000, 2_000] });
 */
export async function benchSustainedRate(
  pipeline: PipelineProcess,
  options: SustainedRateOptions = {},
): Promise<RateStep[]> {
  const settings = { ...DEFAULTS, ...options };
  const results: RateStep[] = [];
  for (const offered of settings.steps) {
    settings.progress?.(`  step: ${offered.toLocaleString('en-US')} events/s for ${settings.stepSeconds} s ...`);
    const step = await runStep(pipeline, offered, settings);
    results.push(step);
    if (!step.held) break;
  }
  return results;
}

async function runStep(pipeline: PipelineProcess, offered: number, settings: typeof DEFAULTS): Promise<RateStep> {
  const run = `${offered}-${Date.now().toString(36)}`;
  const perTick = offered / TICKS_PER_SECOND;
  const ticks = settings.stepSeconds * TICKS_PER_SECOND;
  const { httpApi, token } = pipeline.endpoints;
  const non200: Record<string, number> = {};
  let accepted = 0;
  let requests = 0;
  let lastAnswer = 0;
  const inFlight = new Set<Promise<void>>();
  const post = async (events: Array<Record<string, unknown>>) => {
    requests++;
    let status = 'network error';
    try {
      const response = await fetch(`${httpApi}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(events),
      });
      status = String(response.status);
      const body = (await response.json().catch(() => ({}))) as { accepted?: number };
      accepted += response.status === 200 ? events.length : (body.accepted ?? 0);
    } finally {
      lastAnswer = performance.now();
      if (status !== '200') non200[status] = (non200[status] ?? 0) + 1;
    }
  };
  const started = performance.now();
  let sent = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const due = started + (tick * 1000) / TICKS_PER_SECOND;
    if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
    const size = Math.round(perTick * (tick + 1)) - Math.round(perTick * tick);
    for (let from = 0; from < size; from += MAX_EVENTS_PER_REQUEST) {
      while (inFlight.size >= settings.maxInFlight) await Promise.race(inFlight);
      const events = benchEvents(Math.min(MAX_EVENTS_PER_REQUEST, size - from), `${run}-${sent}`);
      sent += events.length;
      const request: Promise<void> = post(events)
        .catch(() => undefined)
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
  }
  await Promise.all(inFlight);
  // The last request goes out a tick before the step ends: never divide by less than the step.
  const seconds = Math.max(settings.stepSeconds, (lastAnswer - started) / 1000);
  const caughtUp = await waitForConsumers(pipeline, { since: lastAnswer, timeoutMs: settings.settleMs });
  const caughtUpMs = {
    archive: caughtUp.archive.caughtUpMs,
    aggregate: caughtUp.aggregate.caughtUpMs,
    alert: caughtUp.alert.caughtUpMs,
  };
  const keptUp = Object.values(caughtUpMs).every((ms) => ms !== undefined && ms <= settings.settleMs);
  // Markers put now are behind the settle wait's ones: caught up with them, the step is drained.
  if (!keptUp) await waitForConsumers(pipeline, { timeoutMs: 60_000 });
  const acceptedPerSecond = Math.round(accepted / seconds);
  return {
    offered,
    seconds,
    acceptedPerSecond,
    requests,
    non200,
    caughtUpMs,
    held: acceptedPerSecond >= 0.95 * offered && Object.keys(non200).length === 0 && keptUp,
  };
}
