import { profileSection } from './profile.js';
import type { SummarySection } from './section.js';

/** Summary blocks in display order. */
export const SECTIONS: readonly SummarySection[] = [profileSection];
export type { SummarySection } from './section.js';
