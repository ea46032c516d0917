/** What merging needs of an item: the window it belongs to (ISO 8601, so string order is time order). */
interface Windowed {
  window: string;
}

/** One source of pages, with what it has read and not handed out yet. */
interface Cursor<T> {
  pages: AsyncIterator<T[]>;
  buffered: T[];
  done: boolean;
}

/**
 * Merges sources whose pages each arrive in window order (DynamoDB queries sorted by a key that
 * starts with the window) into one sequence of windows: every item of the earliest window of all
 * sources, then the next window's, and so on. A window is handed out only when it is complete,
 * that is when every source has ended or has read past it, so summing a window's parts never
 * misses one that is still on its way. Sources are read side by side; reading stops when the
 * consumer stops iterating, and the sources are closed.
 *
 * @example
 * for await (const parts of mergeByWindow([partition0Pages, partition1Pages])) sumByKey(parts);
 */
export async function* mergeByWindow<T extends Windowed>(sources: readonly AsyncIterable<T[]>[]): AsyncGenerator<T[]> {
  const cursors: Cursor<T>[] = sources.map((source) => ({
    pages: source[Symbol.asyncIterator](),
    buffered: [],
    done: false,
  }));
  try {
    for (;;) {
      await Promise.all(cursors.map((cursor) => readUntil(cursor, () => cursor.buffered.length > 0)));
      const earliest = earliestWindow(cursors);
      if (earliest === undefined) return;
      // Complete the window: read on in every source until it holds an item past it (or ends).
      await Promise.all(cursors.map((cursor) => readUntil(cursor, () => lastWindow(cursor) > earliest)));
      const window: T[] = [];
      for (const cursor of cursors) {
        const past = cursor.buffered.findIndex((item) => item.window > earliest);
        const end = past === -1 ? cursor.buffered.length : past;
        window.push(...cursor.buffered.slice(0, end));
        cursor.buffered = cursor.buffered.slice(end);
      }
      yield window;
    }
  } finally {
    await Promise.all(cursors.filter((cursor) => !cursor.done).map((cursor) => cursor.pages.return?.()));
  }
}

/** Reads pages into the buffer until `enough` or the source ends. */
async function readUntil<T>(cursor: Cursor<T>, enough: () => boolean): Promise<void> {
  while (!cursor.done && !enough()) {
    const next = await cursor.pages.next();
    if (next.done) cursor.done = true;
    else cursor.buffered.push(...next.value);
  }
}

function earliestWindow<T extends Windowed>(cursors: readonly Cursor<T>[]): string | undefined {
  let earliest: string | undefined;
  for (const { buffered } of cursors) {
    const first = buffered[0];
    if (first !== undefined && (earliest === undefined || first.window < earliest)) earliest = first.window;
  }
  return earliest;
}

/** The window of the last buffered item; '' when nothing is buffered (before any window). */
const lastWindow = <T extends Windowed>(cursor: Cursor<T>): string => cursor.buffered.at(-1)?.window ?? '';
