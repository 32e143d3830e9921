import type { FindingSeverity } from './findings.js';

/**
 * `tracelens.config.json`: the CI gate kept in the repository instead of on a long command
 * line. Shape: `{ "set": { "irq-pinned.min_share": 0.9 }, "failOn": "warning", "failIf":
 * ["…"] }`, every key optional. Validation is strict — unknown keys are named, so a typo
 * (`"failon"`) is an error and not a silently open gate. The CLI reads the file, merges it
 * under its own flags (`mergeConfig`) and turns ConfigError into exit 2.
 */
export const CONFIG_FILE = 'tracelens.config.json';

export interface TracelensConfig {
  /** `detector.key` → value, as `--set detector.key=value`. */
  set?: Record<string, number | boolean>;
  failOn?: FindingSeverity | 'none';
  failIf?: string[];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const KEYS = ['set', 'failOn', 'failIf'];
const SEVERITIES = ['info', 'warning', 'error', 'none'];

/** Parse and shape-check a config file's text; `source` names it in messages. */
export function parseConfig(text: string, source: string): TracelensConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${source}: expected a JSON object`);
  const obj = raw as Record<string, unknown>;
  const unknown = Object.keys(obj).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) throw new ConfigError(`${source}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${KEYS.join(', ')})`);
  const config: TracelensConfig = {};
  if (obj.set !== undefined) {
    if (typeof obj.set !== 'object' || obj.set === null || Array.isArray(obj.set)) throw new ConfigError(`${source}: "set" must be an object of "detector.key": number`);
    for (const [k, v] of Object.entries(obj.set)) {
      if (typeof v !== 'number' && typeof v !== 'boolean') throw new ConfigError(`${source}: set.${k} must be a number or boolean`);
    }
    config.set = obj.set as Record<string, number | boolean>;
  }
  if (obj.failOn !== undefined) {
    if (typeof obj.failOn !== 'string' || !SEVERITIES.includes(obj.failOn)) throw new ConfigError(`${source}: "failOn" must be one of ${SEVERITIES.join(', ')}`);
    config.failOn = obj.failOn as TracelensConfig['failOn'];
  }
  if (obj.failIf !== undefined) {
    const list = typeof obj.failIf === 'string' ? [obj.failIf] : obj.failIf;
    if (!Array.isArray(list) || !list.every((r) => typeof r === 'string')) throw new ConfigError(`${source}: "failIf" must be a rule string or an array of them`);
    config.failIf = list as string[];
  }
  return config;
}

export interface Gate {
  set: string[];
  failOn: FindingSeverity | 'none';
  failIf: string[];
}

/**
 * CLI flags override the file: `--set` assignments come after the file's (the later wins per
 * key), `--fail-on` replaces `failOn`, and any `--fail-if` replaces the file's `failIf` list
 * (replacing, not appending, so a command line can loosen a gate for one run).
 */
export function mergeConfig(config: TracelensConfig, flags: { set: string[]; failOn?: FindingSeverity | 'none'; failIf: string[] }): Gate {
  const fromFile = Object.entries(config.set ?? {}).map(([k, v]) => `${k}=${v}`);
  return {
    set: [...fromFile, ...flags.set],
    failOn: flags.failOn ?? config.failOn ?? 'none',
    failIf: flags.failIf.length > 0 ? flags.failIf : (config.failIf ?? []),
  };
}
