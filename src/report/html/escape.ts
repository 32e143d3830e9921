/**
 * Everything from a trace (task names, symbols, IRQ names, paths) reaches the page through two
 * doors only, and both are closed here:
 * - the data island: JSON inside `<script type="application/json">`. JSON.stringify alone is not
 *   enough there: a symbol holding `</script>` would end the element and the rest would run as
 *   markup, and U+2028/2029 break older JS parsers. So `<`, `>`, `&` and the two separators go
 *   out as `\u` escapes, which JSON.parse turns back into the same characters.
 * - plotly labels: plotly renders text, hover text, trace names and category ticks through its
 *   own pseudo-HTML (it knows `<b>`, `<br>`, `<a href>`), so a label is entity-escaped and plotly
 *   shows the characters, not markup.
 * The page script builds every other node with textContent, never innerHTML.
 */

const JSON_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON safe to place between `<script type="application/json">` and `</script>`. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => JSON_ESCAPES[c]);
}

/** A label for plotly (text, hovertext, trace name, category): markup shown as characters. */
export function plotText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** HTML text content for the few strings the page shell writes itself (the title). */
export function htmlText(s: string): string {
  return plotText(s).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A label shortened for a chart (the hover text keeps it whole). */
export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}
