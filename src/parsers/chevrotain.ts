import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * chevrotain, loaded from the single-file bundle its package ships. The package entry
 * pulls in some 300 modules (lodash-es among them) and cost ~280 ms of every run's
 * startup — a tenth of analysing a 300 MB trace; the bundle loads in ~20 ms. The bundle is
 * not in the package's export map, so it is found next to the resolved entry.
 */
type Chevrotain = typeof import('chevrotain');

const entry = createRequire(import.meta.url).resolve('chevrotain');
const bundle = join(dirname(entry), '..', 'chevrotain.mjs');
const chevrotain: Chevrotain = await import(pathToFileURL(bundle).href);

export const { EmbeddedActionsParser, Lexer, createToken } = chevrotain;
