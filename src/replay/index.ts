/** The replay layer's public surface (DESIGN §6): queue timelines, their per-queue summary, and the what-if. */
export { NETDEV_TX_BUSY, replayQueues, slotsFor, timeOrder } from './queues.js';
export type { QueueReplay, QueueTimeline, UnmatchedItem } from './queues.js';
export { F64, StepSeries, nearestRank } from './series.js';
export { REPLAY_SCHEMA, renderReplayText, replayDocument, stallLengths, summarizeQueue } from './summary.js';
export type { QueueSummary, ReplayDocument, WhatIfResult } from './summary.js';
export { ackTimes, drainTimes, fitAcks, fitDrain } from './fit.js';
export type { AckModel, DrainModel } from './fit.js';
export { fitFlow, fitFlows } from './flows.js';
export type { FlowModel } from './flows.js';
export { runLoop } from './loop.js';
export type { LoopQueue, Outcome } from './loop.js';
export { whatIf, whatIfForTrace } from './whatif.js';
export type { WhatIfOptions } from './whatif.js';
export { extractWorkload } from './workload.js';
export type { AckEvents, QueueWorkload, WorkItem, Workload } from './workload.js';
