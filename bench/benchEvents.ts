/** Events for the throughput benchmarks, shaped like a real producer's. */

const TYPES = ['page_view', 'click', 'purchase', 'signup'] as const;
const SOURCES = ['web', 'ios', 'android', 'search', 'checkout', 'billing'] as const;
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

/**
 * `count` events of about 500 bytes as a producer sends them: four ordinary types from six sources,
 * one in a hundred an `error` (enough for the error-burst rule to fire on some sources), most with a
 * value, event time now. Ids are `tput-<run>-<i>`.
 *
 * @example
 * const events = benchEvents(1_000, Date.now().toString(36));
 */
export function benchEvents(count: number, run: string): Array<Record<string, unknown>> {
  const time = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => ({
    id: `tput-${run}-${i}`,
    type: i % 100 === 0 ? 'error' : (TYPES[i % TYPES.length] as string),
    source: SOURCES[i % SOURCES.length] as string,
    subject: `user-${i % 997}`,
    time,
    ...(i % 5 === 0 ? {} : { value: (i % 1_000) + 1 }),
    data: {
      path: `/catalog/items/${i % 5_000}`,
      referrer: 'https://www.example.com/search?q=kinesis+pipeline+benchmark',
      userAgent: USER_AGENT,
      session: `session-${(i * 7919) % 100_000}`,
    },
  }));
}
