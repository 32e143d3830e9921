import type { TraceModel } from '../../src/model/trace-model.js';
import { findingsDocument, runDetectors } from '../../src/report/findings.js';
import { renderHtml } from '../../src/report/html/index.js';
import { summarizeInput } from '../../src/report/input-summary.js';
import { PerfText } from '../detectors/synth.js';

/** Shared by the HTML tests (plain and browser): a hostile trace and the report of a model. */

/** Payloads a hostile trace can carry; each would set a window flag if it ever ran. */
export const XSS = {
  comm: '<script>window.__pwned=1</script>',
  irq: '"><img/src=x/onerror=window.__pwned=2>',
  symbol: '</script><img/src=x/onerror=window.__pwned=3>',
  lock: '<svg/onload=window.__pwned=4>',
};

/** A small trace with every hostile string where the report shows it: task, IRQ, symbol, lock. */
export async function xssModel(): Promise<TraceModel> {
  const t = new PerfText();
  for (let i = 0; i < 200; i++) t.event(XSS.comm, 100, 0, 1000 + i * 50, 'irq:irq_handler_entry', `irq=30 name=${XSS.irq}`);
  for (let i = 0; i < 20; i++) t.event(XSS.comm, 100, 1, 1000 + i * 50, 'irq:irq_handler_entry', 'irq=31 name=eth0');
  for (let i = 0; i < 40; i++) {
    t.event(XSS.comm, 100 + (i % 2), i % 2, 2000 + i * 100, 'lock:contention_begin', `${XSS.lock} (flags=SPIN)`);
    t.event(XSS.comm, 100 + (i % 2), i % 2, 2000 + i * 100 + 40, 'lock:contention_end', `${XSS.lock} (ret=0)`);
  }
  for (let i = 0; i < 50; i++) t.sample(XSS.comm, 100, i % 2, 1000 + i * 200, [XSS.symbol, '_raw_spin_lock', `${XSS.comm}_main`]);
  return t.model();
}

export function renderModel(model: TraceModel, path = 'xss.perf.txt'): string {
  const summary = summarizeInput(model, path);
  const { findings, skipped } = runDetectors([model]);
  return renderHtml(findingsDocument([summary], findings, skipped), [{ model, summary }]);
}

