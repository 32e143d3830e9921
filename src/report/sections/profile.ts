import { rankProfile } from '../profile.js';
import type { SummarySection } from './section.js';
import { pct } from './section.js';

/** Hot functions (self, total) and hot stacks, for any input with profile samples. */
export const profileSection: SummarySection = {
  id: 'profile',
  applies: (model) => model.sampleCount > 0,
  text(model) {
    const profile = rankProfile(model, 10);
    const out = ['Top functions by samples (self, total):'];
    for (const f of profile.functions) out.push(`  ${pct(f.self, profile.total)} ${pct(f.total, profile.total)}  ${f.func}  (${f.module})`);
    out.push('', 'Top stacks by samples (leaf ← callers):');
    for (const st of profile.stacks.slice(0, 5)) {
      const shown = st.frames.slice(0, 8).join(' ← ');
      out.push(`  ${pct(st.weight, profile.total)}  ${shown}${st.frames.length > 8 ? ` ← … (${st.frames.length} frames)` : ''}`);
    }
    return out;
  },
};
