import type { TraceFormat } from '../format.js';
import { parseBinary } from './binary.js';
import { binaryLayout, textScore } from './sniff.js';
import { parseText } from './text.js';

/**
 * xentrace, binary or as xentrace_format printed it: one format id (`xentrace`, DESIGN §8),
 * the layout chosen from the first bytes. Big-endian and pre-3.2 binaries are claimed by the
 * sniffer so that parsing can refuse them by name.
 */
export const xentraceFormat: TraceFormat = {
  id: 'xentrace',
  title: 'xentrace binary or xentrace_format text',
  sniff: (head) => (binaryLayout(head) !== null ? 0.95 : textScore(head)),
  parse: (input, builder, hooks) =>
    binaryLayout(input.head) === null && textScore(input.head) > 0 ? parseText(input, builder, hooks) : parseBinary(input, builder, hooks),
};
