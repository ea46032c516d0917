import { RATE_MET_SHARE } from './options.ts';

/** What became of the events of one request, or of a whole run. */
export interface Tally {
  accepted: number;
  rejected: number;
  failed: number;
}

/** Why an event was not accepted: its status, error code and message. */
export interface Reason {
  status: 'rejected' | 'failed';
  code?: string;
  message?: string;
}

/** What a newcomer can do about the commonest codes. */
const HINTS: Record<string, string> = {
  CredentialsProviderError: 'no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  ResourceNotFoundException: 'no such stream there: check --stream, --stage and --region',
  AccessDeniedException: 'these AWS credentials may not write to the stream',
  source_not_allowed:
    'the token may not send these sources: npm run token -- create <name> --sources web-frontend,mobile-app',
  ProvisionedThroughputExceededException: 'the stream was throttled: lower --rate or add shards',
};

const MOST_CODES = 5;
const MESSAGE_CHARS = 200;

/**
 * The reasons of the events not accepted, counted by status and code, with the first message of
 * each code: what the summary prints under its counts.
 *
 * @example
 * const reasons = new Reasons();
 * reasons.add({ status: 'failed', code: 'ResourceNotFoundException', message: 'Stream x not found' }, 10);
 * reasons.lines(); // ['failed: 10 × ResourceNotFoundException: Stream x not found (no such stream there: ...)']
 */
export class Reasons {
  private readonly byCode = new Map<string, Reason & { count: number }>();

  add(reason: Reason, count = 1): void {
    const code = reason.code || 'unknown';
    const key = `${reason.status}\u0000${code}`;
    const known = this.byCode.get(key);
    if (known) known.count += count;
    else this.byCode.set(key, { ...reason, code, count });
  }

  lines(): string[] {
    const lines: string[] = [];
    for (const status of ['failed', 'rejected'] as const) {
      const codes = [...this.byCode.values()].filter((r) => r.status === status).sort((a, b) => b.count - a.count);
      for (const { count, code, message } of codes.slice(0, MOST_CODES)) {
        const text = oneLine(message ?? '');
        const hint = HINTS[code ?? ''];
        lines.push(`${status}: ${count} × ${code}${text ? `: ${text}` : ''}${hint ? ` (${hint})` : ''}`);
      }
      const others = codes.slice(MOST_CODES).reduce((sum, r) => sum + r.count, 0);
      if (others > 0) lines.push(`${status}: ${others} more (${codes.length - MOST_CODES} other codes)`);
    }
    return lines;
  }
}

function oneLine(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length > MESSAGE_CHARS ? `${flat.slice(0, MESSAGE_CHARS - 1)}…` : flat;
}

/**
 * The rate reached over a run and, when `--rate` asked for one, the verdict: `missed` below
 * RATE_MET_SHARE of it. (The sender never runs ahead of its schedule, so it cannot pass 100%.)
 *
 * @example
 * rateReport(1000, 8.47, 500);
 * // { perSecond: 118, verdict: '118 ev/s of the 500 ev/s requested (23%): missed', missed: true }
 */
export function rateReport(
  events: number,
  seconds: number,
  requested: number,
): { perSecond: number; verdict?: string; missed: boolean } {
  const reached = events / Math.max(seconds, 0.001);
  const perSecond = Math.round(reached);
  if (requested <= 0) return { perSecond, missed: false };
  const share = reached / requested;
  const missed = share < RATE_MET_SHARE;
  const percent = Math.min(100, Math.floor(share * 100));
  const verdict = `${perSecond} ev/s of the ${requested} ev/s requested (${percent}%): ${missed ? 'missed' : 'reached'}`;
  return { perSecond, verdict, missed };
}
