import { browser, type PageElement } from './browser.ts';

/**
 * Builds an element. Text goes in through textContent only: data from the API is never parsed as
 * HTML.
 *
 * @example
 * el('li', { className: 'alert firing', text: 'error-burst' });
 */
export function el(
  tag: string,
  options: { className?: string; text?: string; title?: string } = {},
  children: Array<PageElement | string> = [],
): PageElement {
  const element = browser.document.createElement(tag);
  if (options.className) element.className = options.className;
  if (options.text !== undefined) element.textContent = options.text;
  if (options.title !== undefined) element.title = options.title;
  element.append(...children);
  return element;
}

/**
 * The element with this id, which the page is known to hold.
 *
 * @example
 * const list = byId('alerts');
 */
export function byId<T extends PageElement = PageElement>(id: string): T {
  const element = browser.document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}
