/**
 * Twelve colours picked from Tailwind's palette for being far apart from each other (CIEDE2000 at
 * least 23 between any two) and from the page's light and dark backgrounds, in hue order.
 */
export const PALETTE = [
  '#9f1239',
  '#fb7185',
  '#f97316',
  '#854d0e',
  '#facc15',
  '#4d7c0f',
  '#34d399',
  '#0f766e',
  '#38bdf8',
  '#2563eb',
  '#86198f',
  '#d946ef',
] as const;

/** FNV-1a over the UTF-16 code units: a type's preferred place in the palette. */
function hashOf(type: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < type.length; i++) hash = Math.imul(hash ^ type.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** The `n`th colour past the palette: hues a golden angle apart, two lightnesses. */
const extraColour = (n: number): string => `hsl(${((n * 137.508) % 360).toFixed(1)}, 70%, ${n % 2 === 0 ? 45 : 60}%)`;

/**
 * A colour for each of the types shown together, none shared. Each type takes the palette colour
 * its name hashes to; when an earlier type (by name) holds it already, the next free one. So the
 * colours depend only on the set of types: a type keeps its colour while the set is unchanged,
 * and mostly when other types come and go. Beyond twelve types, further colours are generated.
 *
 * @example
 * typeColours(['search', 'order_placed']); // Map { 'order_placed' => '#…', 'search' => '#…' }, two colours
 */
export function typeColours(types: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(types)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const colours = new Map<string, string>();
  const taken = new Set<number>();
  const used = new Set<string>();
  let extra = 0;
  for (const type of sorted) {
    let colour: string;
    if (taken.size < PALETTE.length) {
      let slot = hashOf(type) % PALETTE.length;
      while (taken.has(slot)) slot = (slot + 1) % PALETTE.length;
      taken.add(slot);
      colour = PALETTE[slot] as string;
    } else {
      do colour = extraColour(extra++);
      while (used.has(colour));
    }
    used.add(colour);
    colours.set(type, colour);
  }
  return colours;
}
