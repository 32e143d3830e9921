import { opreportSection } from './opreport.js';
import { profileSection } from './profile.js';
import type { SummarySection } from './section.js';
import { xenSection } from './xen.js';

/** Summary blocks in display order. */
export const SECTIONS: readonly SummarySection[] = [opreportSection, profileSection, xenSection];
export type { SummarySection } from './section.js';
