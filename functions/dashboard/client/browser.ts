/**
 * The slice of the browser API the dashboard client uses, typed here. The repository's TypeScript
 * setup is Node's: adding the DOM library program-wide would change Node's own types (request
 * bodies of `fetch`, for one), so the client states what it relies on instead. Everything on the
 * page goes through these shapes; nothing else of the DOM is used.
 */

export interface PageElement {
  id: string;
  className: string;
  textContent: string | null;
  title: string;
  hidden: boolean;
  readonly dataset: Record<string, string | undefined>;
  readonly classList: { toggle(name: string, force?: boolean): boolean };
  append(...nodes: Array<PageElement | string>): void;
  replaceChildren(...nodes: Array<PageElement | string>): void;
  setAttribute(name: string, value: string): void;
  addEventListener(type: string, listener: (event: { preventDefault(): void }) => void): void;
  focus(): void;
}

export interface InputElement extends PageElement {
  value: string;
}

export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface PageLocation {
  hash: string;
  href: string;
  pathname: string;
  search: string;
}

export interface PageHistory {
  replaceState(data: unknown, unused: string, url: string): void;
}

interface BrowserGlobals {
  document: { createElement(tag: string): PageElement; getElementById(id: string): PageElement | null };
  location: PageLocation;
  history: PageHistory;
  localStorage: TokenStorage;
  fetch: typeof fetch;
  setTimeout(callback: () => void, ms: number): number;
}

export const browser = globalThis as unknown as BrowserGlobals;
