import type { TraceFormat } from '../format.js';
import { binaryLayout, textScore } from './sniff.js';

/**
 * xentrace, binary or as xentrace_format printed it: one format id (`xentrace`, DESIGN §8),
 * the layout chosen from the first bytes. Big-endian and pre-3.2 binaries are claimed by the
 * sniffer so that parsing can refuse them by name.
 */
export const xentraceFormat: TraceFormat = {
  id: 'xentrace',
  title: 'xentrace binary or xentrace_format text',
  sniff: (head) => (binaryLayout(head) !== null ? 0.95 : textScore(head)),
  // The decoders load only when an input is xentrace.
  parse: async (input, builder, hooks) => {
    if (binaryLayout(input.head) === null && textScore(input.head) > 0) return (await import('./text.js')).parseText(input, builder, hooks);
    return (await import('./binary.js')).parseBinary(input, builder, hooks);
  },
};
