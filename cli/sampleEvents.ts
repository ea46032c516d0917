/**
 * Realistic sample events for the produce CLI and the benchmarks: a web shop's page views, clicks,
 * orders and errors, from a few hundred users, with a deterministic seed so runs are comparable.
 */
const TYPES = ['page_view', 'click', 'order_placed', 'error'] as const;
const WEIGHTS = [0.6, 0.25, 0.1, 0.05];
const PAGES = ['/', '/search', '/product/42', '/product/7', '/cart', '/checkout'];
const SOURCES = ['web-frontend', 'mobile-app'];

/** Mulberry32: a tiny seeded PRNG (not for secrets). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SampleOptions {
  type?: string;
  users?: number;
  random?: () => number;
}

function pickType(random: () => number): string {
  let roll = random();
  for (let i = 0; i < TYPES.length; i++) {
    roll -= WEIGHTS[i] as number;
    if (roll < 0) return TYPES[i] as string;
  }
  return TYPES[0];
}

/** One event of about 250-350 bytes once ingest adds its fields. */
export function sampleEvent(options: SampleOptions = {}): Record<string, unknown> {
  const random = options.random ?? Math.random;
  const type = options.type ?? pickType(random);
  const user = `user-${Math.floor(random() * (options.users ?? 500))}`;
  const page = PAGES[Math.floor(random() * PAGES.length)];
  const event: Record<string, unknown> = {
    type,
    source: SOURCES[Math.floor(random() * SOURCES.length)],
    subject: user,
    time: new Date().toISOString(),
    data: { page, sessionId: Math.floor(random() * 1e9).toString(36), userAgent: 'Mozilla/5.0 (sample)' },
  };
  if (type === 'order_placed') event.value = Math.round(random() * 20_000) / 100;
  if (type === 'page_view') event.value = Math.round(random() * 3_000);
  if (type === 'error') event.data = { ...(event.data as object), message: 'TypeError: x is undefined' };
  return event;
}
