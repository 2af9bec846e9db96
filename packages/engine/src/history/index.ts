// history/: what happened — runs with their steps, events, dead letters, recent activity per flow, and the
// event-log counts nodes may read. Read-only; every list pages by keyset.
export type { AuditQuery } from './audit-log.js';
export { listAudit } from './audit-log.js';
export type { DeadLetterGroup, DeadLetterQuery, TestRunFilter } from './dead-letters.js';
export { getDeadLetter, groupDeadLetters, listDeadLetters, messageShape } from './dead-letters.js';
export { eventLogReader, summarizeEvents } from './event-log.js';
export type { EventListQuery, FirstAccepted } from './events.js';
export { acceptedKey, firstAcceptedOf, getEvent, listEvents, recentEventNames } from './events.js';
export type { FlowStats } from './flow-stats.js';
export { flowStats } from './flow-stats.js';
export type { Page, PageQuery } from './page.js';
export { keysetPage } from './page.js';
export type { RunListQuery } from './runs.js';
export { getRun, listRuns } from './runs.js';
