import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * chevrotain for the report layer, loaded from the package's single-file bundle like
 * the parsers do (the package entry costs ~280 ms of startup, the bundle ~20 ms). A
 * separate loader because report must not import parsers (test/architecture.test.ts);
 * the bundle is not in the package's export map, so it is found beside the entry.
 */
type Chevrotain = typeof import('chevrotain');

const entry = createRequire(import.meta.url).resolve('chevrotain');
const bundle = join(dirname(entry), '..', 'chevrotain.mjs');
const chevrotain: Chevrotain = await import(pathToFileURL(bundle).href);

export const { EmbeddedActionsParser, Lexer, createToken } = chevrotain;
