/** The most frequent partition keys among records, most frequent first: the hot-key signal. */
export function topPartitionKeys(
  records: ReadonlyArray<{ partitionKey: string }>,
  limit: number,
): Array<{ partitionKey: string; count: number }> {
  const counts = new Map<string, number>();
  for (const { partitionKey } of records) counts.set(partitionKey, (counts.get(partitionKey) ?? 0) + 1);
  return [...counts]
    .map(([partitionKey, count]) => ({ partitionKey, count }))
    .sort((a, b) => b.count - a.count || a.partitionKey.localeCompare(b.partitionKey))
    .slice(0, limit);
}
