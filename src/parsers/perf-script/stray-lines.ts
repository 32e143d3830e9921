import type { Diagnostics } from '../../model/diagnostics.js';

/**
 * Lines that are neither a record head nor a frame. Users often capture perf's stderr
 * with `2>&1`, so its known messages get their own codes (lost chunks is data loss);
 * anything else is a malformed line, counted and located.
 */
interface StrayRule {
  test: RegExp;
  code: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
}

const RULES: StrayRule[] = [
  { test: /lost \d+ chunks/, code: 'perf-script/lost-chunks', severity: 'warning', message: 'perf reported lost chunks while recording (data loss)' },
  {
    test: /^(Warning:|Check IO\/CPU overload|Samples misordered|Failed to open|no symbols found|\s*\[ perf record: )/,
    code: 'perf-script/stderr-text',
    severity: 'info',
    message: 'perf diagnostic text mixed into the output (ignored)',
  },
  { test: /^0x[0-9a-f]+ \[0x[0-9a-f]+\]: /, code: 'perf-script/raw-dump', severity: 'error', message: '`perf script -D` raw dump lines are not supported; run plain `perf script`' },
];

export function classifyStray(text: string, lineNo: number, diagnostics: Diagnostics): void {
  const rule = RULES.find((r) => r.test.test(text));
  if (rule !== undefined) {
    diagnostics.report(rule.code, rule.severity, rule.message, { line: lineNo, excerpt: text });
    return;
  }
  diagnostics.report('perf-script/bad-line', 'warning', 'line is neither a record head nor a callchain frame (skipped)', { line: lineNo, excerpt: text });
}
