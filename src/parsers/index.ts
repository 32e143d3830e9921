export { FORMATS, formatById, sniffFormat } from './registry.js';
export { loadTrace, UnrecognisedInputError } from './load.js';
export type { LoadOptions } from './load.js';
export { InputError } from './input/source.js';
export type { TraceFormat } from './format.js';
