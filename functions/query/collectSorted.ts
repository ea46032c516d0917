/**
 * DynamoDB returns a query in sort-key order, but items that share a sort key value (several types
 * in one window of the byHour index, several alerts changed in the same millisecond) come in no
 * documented order. The API sorts them by a second attribute, so a page boundary inside such a
 * group needs the whole group: read on until the first `need` items in full order are known.
 */
export interface SortedPage<T> {
  /** The first `need` items (or all there are) in `compare` order. */
  items: T[];
  /** True when at least one more item follows them. */
  more: boolean;
}

/**
 * Reads pages that arrive ordered by `rank` until the item after the `need`-th has a different
 * rank (or the pages end), then sorts what was read. Stops the page source early (its `return`).
 *
 * @example
 * await collectSorted(pagesOf(query), 500, (item) => item.window, byWindowThenType);
 */
export async function collectSorted<T>(
  pages: AsyncIterable<T[]>,
  need: number,
  rank: (item: T) => string,
  compare: (a: T, b: T) => number,
): Promise<SortedPage<T>> {
  const read: T[] = [];
  for await (const page of pages) {
    read.push(...page);
    const boundary = read[need - 1];
    const last = read[read.length - 1];
    if (read.length > need && boundary && last && rank(last) !== rank(boundary)) break;
  }
  read.sort(compare);
  return { items: read.slice(0, need), more: read.length > need };
}
