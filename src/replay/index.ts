/** The replay layer's public surface (DESIGN §6): queue timelines and their per-queue summary. */
export { NETDEV_TX_BUSY, replayQueues, slotsFor, timeOrder } from './queues.js';
export type { QueueReplay, QueueTimeline, UnmatchedItem } from './queues.js';
export { F64, StepSeries, nearestRank } from './series.js';
export { REPLAY_SCHEMA, renderReplayText, replayDocument, stallLengths, summarizeQueue } from './summary.js';
export type { QueueSummary, ReplayDocument, WhatIfResult } from './summary.js';
export { replayRing, whatIf, whatIfForTrace } from './whatif.js';
export type { WhatIfOptions } from './whatif.js';
export { extractWorkload, fitService } from './workload.js';
export type { FlowModel, ServiceModel, WorkItem, Workload } from './workload.js';
