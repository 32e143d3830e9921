import { traceFacts } from '../../detectors/trace-facts.js';
import type { TraceModel } from '../../model/trace-model.js';
import type { WhatIfResult } from '../../replay/index.js';
import { hasQueueEvents, replayQueues } from '../../replay/index.js';
import type { FindingsDocument } from '../findings.js';
import type { InputSummary } from '../input-summary.js';
import { SECTIONS } from '../sections/index.js';
import { plotlyBundle } from './bundle.js';
import type { ChartSpec, TableSpec } from './chart.js';
import { CLIENT_SCRIPT } from './client.js';
import { htmlText, jsonForScript } from './escape.js';
import { flameChart } from './flame.js';
import { irqCharts } from './irq.js';
import { lockChart } from './locks.js';
import { queueCharts, queueTables } from './queues.js';
import { syscallTlbChart } from './rates.js';

/**
 * `--html PATH`: one self-contained page (issue 8). Plotly and the data are inlined; a strict
 * CSP (default-src 'none') means the browser makes no request of any kind, even if something in
 * it tried; the page script builds the DOM from the JSON island with textContent only. Same
 * input → same bytes: no timestamps, no random ids, fixed rounding, sorted tables.
 */

export interface HtmlInput {
  model: TraceModel;
  summary: InputSummary;
  /** What-if replays for this input's queues, when the caller ran any. */
  whatif?: WhatIfResult[];
}


const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The page data: the findings document's parts plus, per input, its text blocks, charts and tables. */
export function htmlData(doc: FindingsDocument, inputs: HtmlInput[]) {
  return {
    tool: doc.tool,
    findings: doc.findings,
    skipped: doc.skipped,
    inputs: inputs.map((input, i) => {
      const { model } = input;
      const prefix = `in${i}`;
      const facts = traceFacts(model);
      // The replay is the report's costliest pass; a trace without queue events skips it.
      const replay = hasQueueEvents(model) ? replayQueues(model) : { queues: [], startNs: facts.startNs, endNs: facts.endNs, batchingKnown: false, foreignCompletions: 0 };
      const charts: ChartSpec[] = [
        ...irqCharts(model, facts, prefix),
        syscallTlbChart(model, facts, prefix),
        lockChart(model, prefix),
        flameChart(model, facts, prefix),
        ...queueCharts(replay, prefix),
      ];
      const tables: TableSpec[] = queueTables(replay, input.whatif ?? [], prefix);
      // A section drawn as tables where it has them (xentrace's), else its text block.
      const sections = SECTIONS.filter((s) => s.applies(model)).map((s) => (s.tables !== undefined ? s.tables(model) : { text: s.text(model) }));
      return { summary: input.summary, sections, charts, tables };
    }),
  };
}

export function renderHtml(doc: FindingsDocument, inputs: HtmlInput[]): string {
  const title = `tracelens: ${doc.inputs.map((i) => i.path).join(', ')}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${htmlText(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main id="report"></main>',
    `<script type="application/json" id="data">${jsonForScript(htmlData(doc, inputs))}</script>`,
    `<script>${plotlyBundle()}</script>`,
    `<script>${CLIENT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 0; background: #f6f6f4; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { margin: 8px 0 0; } h2 { margin-top: 32px; border-bottom: 1px solid #ccc; word-break: break-all; }
.muted { color: #666; } .note { color: #666; font-style: italic; }
table { border-collapse: collapse; margin: 8px 0; background: #fff; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; word-break: break-word; }
th:first-child, td:first-child { min-width: 6em; }
th { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.finding { background: #fff; border-left: 6px solid #4e79a7; padding: 6px 14px; margin: 12px 0; }
.finding.warning { border-color: #f28e2b; } .finding.error { border-color: #e15759; }
.finding h3 { margin: 6px 0; } .sev { text-transform: uppercase; font-size: 12px; margin-right: 8px; }
.det { font-family: monospace; margin-right: 8px; color: #555; } .rec { font-weight: 600; }
pre { background: #fff; padding: 8px; overflow-x: auto; font-size: 12px; }
.chart-box { background: #fff; padding: 4px 12px; margin: 16px 0; } .chart { min-height: 200px; }
.section-tables { background: #fff; padding: 4px 12px; margin: 16px 0; } .section-tables h4 { margin: 12px 0 2px; }
`;
