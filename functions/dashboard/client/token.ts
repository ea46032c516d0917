import type { PageHistory, PageLocation, TokenStorage } from './browser.ts';

const STORAGE_KEY = 'kinesis-pipeline.token';

/**
 * The token of a `#token=...` fragment, if any.
 *
 * @example
 * tokenInFragment('#token=kp_abc'); // 'kp_abc'
 */
export function tokenInFragment(hash: string): string | undefined {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token')?.trim();
  return token ? token : undefined;
}

/**
 * Where the dashboard keeps its API token: the URL fragment of a shared link hands it over once
 * (fragments never reach the server), then it lives in localStorage.
 *
 * @example
 * const tokens = tokenKeeper(localStorage);
 * const token = tokens.adoptFromUrl(location, history) ?? tokens.get();
 */
export function tokenKeeper(storage: TokenStorage) {
  return {
    get: (): string | undefined => storage.getItem(STORAGE_KEY) ?? undefined,
    set: (token: string): void => storage.setItem(STORAGE_KEY, token),
    clear: (): void => storage.removeItem(STORAGE_KEY),
    /** Stores the fragment's token and removes the fragment from the address bar and history entry. */
    adoptFromUrl(location: PageLocation, history: PageHistory): string | undefined {
      const token = tokenInFragment(location.hash);
      if (token === undefined) return undefined;
      storage.setItem(STORAGE_KEY, token);
      history.replaceState(null, '', `${location.pathname}${location.search}`);
      return token;
    },
  };
}
