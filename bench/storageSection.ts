/**
 * The storage benchmark's section, when bench/kinesisStorage.ts (the engine's storage format
 * against LevelDB, written separately) is present and exports `runStorageBench()`. Loaded by a
 * computed path so that the rest of `npm run bench` neither needs it to exist nor to have a
 * particular result type: a string is taken as Markdown, an object with a `markdown` (or `report`)
 * string likewise, anything else is shown as JSON.
 *
 * @example
 * const section = await storageSection(); // undefined without bench/kinesisStorage.ts
 */
export async function storageSection(): Promise<string | undefined> {
  const path = './kinesisStorage.ts';
  let module: { runStorageBench?: () => Promise<unknown> };
  try {
    module = (await import(path)) as typeof module;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  if (typeof module.runStorageBench !== 'function') return undefined;
  const result = await module.runStorageBench();
  const markdown =
    typeof result === 'string'
      ? result
      : typeof (result as { markdown?: unknown })?.markdown === 'string'
        ? (result as { markdown: string }).markdown
        : typeof (result as { report?: unknown })?.report === 'string'
          ? (result as { report: string }).report
          : ['```json', JSON.stringify(result, null, 2), '```'].join('\n');
  return markdown.startsWith('## ') ? markdown : `## Kinesis storage format against LevelDB\n\n${markdown}\n`;
}
