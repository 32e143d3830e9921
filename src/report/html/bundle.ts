import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The plotly bundle inlined into every report (DESIGN §10): `plotly.js-cartesian-dist-min`,
 * the smallest prebuilt bundle that holds heatmap, bar and scatter — every trace type the report
 * draws (the flame chart is bars, not an icicle). Read from node_modules at report time, once per
 * process, so the report works offline and the package is the single source of the library.
 */
let cached: string | undefined;

export function plotlyBundle(): string {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    const text = readFileSync(require.resolve('plotly.js-cartesian-dist-min'), 'utf8');
    // Inlined in a <script>: the bundle must not be able to end the element early.
    if (/<\/script|<!--/i.test(text)) throw new Error('plotly bundle holds </script or <!--: cannot inline it');
    cached = text;
  }
  return cached;
}
