import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root and the shared samples folder (`../shared/traces` beside the clone). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_TRACES = resolve(ROOT, '..', 'shared', 'traces');
export const OWN_TRACES = join(ROOT, 'traces');
export const CLI = join(ROOT, 'bin', 'tracelens.js');

export function sharedTrace(...parts: string[]): string {
  const p = join(SHARED_TRACES, ...parts);
  if (!existsSync(p)) throw new Error(`shared sample missing: ${p} (CI clones ../shared beside the repo)`);
  return p;
}

export function ownTrace(...parts: string[]): string {
  return join(OWN_TRACES, ...parts);
}
