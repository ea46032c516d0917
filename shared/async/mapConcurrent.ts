/**
 * Maps `items` through `task` with at most `limit` tasks in flight and returns the results in input
 * order. A task that rejects rejects the whole call, so tasks that must not stop the others return
 * their failure as a value instead.
 *
 * @example
 * const items = await mapConcurrent(keys, 16, (key) => readItem(key));
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`concurrency limit must be an integer >= 1, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
