import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ProducerStore } from '../shared/auth/producerStore.ts';

/** The producer the development token belongs to; it may send any `source`. */
export const DEV_PRODUCER = 'local-dev';

/**
 * The local development token: created at first start and kept, in clear, under the data dir so
 * every later start prints the same one (only the local pipeline ever sees it). Recreated if the
 * producers table lost it (for example after `--fresh` wiped the table but not the file).
 */
export async function ensureDevToken(
  store: ProducerStore,
  dataDir: string,
): Promise<{ token: string; created: boolean }> {
  const file = join(dataDir, 'dev-token.json');
  if (existsSync(file)) {
    const { token } = JSON.parse(await readFile(file, 'utf8')) as { token: string };
    if (await store.findByToken(token)) return { token, created: false };
  }
  const { token } = await store.create(DEV_PRODUCER, ['*']);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ producer: DEV_PRODUCER, token }, null, 2)}\n`, { mode: 0o600 });
  return { token, created: true };
}
