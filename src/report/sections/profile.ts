import { rankProfile, sampleEvents } from '../profile.js';
import type { SummarySection } from './section.js';
import { pct } from './section.js';

/**
 * Hot functions (self, total) and hot stacks, for any input with profile samples. Counts of
 * different sampling events (cycles, instructions, LLC misses) are not comparable, so only
 * the heaviest event is ranked and the others are named.
 */
export const profileSection: SummarySection = {
  id: 'profile',
  applies: (model) => model.sampleCount > 0,
  text(model) {
    const events = sampleEvents(model);
    const profile = rankProfile(model, 10, events.length > 1 ? events[0].event : -1);
    const out = events.length > 1 ? [`Ranked by ${events[0].name} (also sampled: ${events.slice(1).map((e) => e.name).join(', ')})`, ''] : [];
    out.push('Top functions by samples (self, total):');
    for (const f of profile.functions) out.push(`  ${pct(f.self, profile.total)} ${pct(f.total, profile.total)}  ${f.func}  (${f.module})`);
    out.push('', 'Top stacks by samples (leaf ← callers):');
    for (const st of profile.stacks.slice(0, 5)) {
      const shown = st.frames.slice(0, 8).join(' ← ');
      out.push(`  ${pct(st.weight, profile.total)}  ${shown}${st.frames.length > 8 ? ` ← … (${st.frames.length} frames)` : ''}`);
    }
    return out;
  },
};
