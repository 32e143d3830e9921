import type { DiagnosticSummary, Location, Severity } from './schema.js';

/** Thrown under `--strict` at the first malformed record; carries its location. */
export class StrictModeError extends Error {
  constructor(
    readonly code: string,
    readonly location: Location,
    message: string,
  ) {
    super(message);
    this.name = 'StrictModeError';
  }
}

const KEPT_LOCATIONS = 5;
const EXCERPT_CHARS = 120;

/**
 * Diagnostics are counted per code, never thrown (Perfetto's stance): a malformed
 * line costs one counter bump and, for the first few, a located excerpt. Strict mode
 * turns the first warning or error into a StrictModeError.
 */
export class Diagnostics {
  private readonly byCode = new Map<string, DiagnosticSummary>();

  constructor(
    private readonly strict = false,
    private readonly file?: string,
  ) {}

  report(code: string, severity: Severity, message: string, where: Location = {}): void {
    const location: Location = { ...where };
    if (this.file !== undefined && location.file === undefined) location.file = this.file;
    if (location.excerpt !== undefined) location.excerpt = clip(location.excerpt);
    if (this.strict && severity !== 'info') {
      throw new StrictModeError(code, location, `${describe(location)}: ${message} [${code}]`);
    }
    const known = this.byCode.get(code);
    if (known === undefined) {
      this.byCode.set(code, { code, severity, count: 1, message, first: location, more: [] });
      return;
    }
    known.count++;
    if (known.more.length < KEPT_LOCATIONS - 1) known.more.push(location);
  }

  /** Sorted by code so that output is deterministic whatever the discovery order. */
  summaries(): DiagnosticSummary[] {
    return [...this.byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  }

  count(code?: string): number {
    if (code !== undefined) return this.byCode.get(code)?.count ?? 0;
    let n = 0;
    for (const d of this.byCode.values()) n += d.count;
    return n;
  }
}

function clip(s: string): string {
  const flat = s.replace(/\t/g, ' ').replace(/[\r\n]+$/, '');
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

export function describe(loc: Location): string {
  const file = loc.file ?? '<input>';
  if (loc.line !== undefined) return `${file}:${loc.line}`;
  if (loc.byteOffset !== undefined) return `${file}@${loc.byteOffset}`;
  return file;
}
