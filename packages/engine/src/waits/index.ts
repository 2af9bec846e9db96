// waits/: durable waits for events — correlation, the look into the event log, the wait row settled exactly
// once (received or timeout), the signals that park a step, and waking parked steps when events arrive.
export { settleWaitsFor, wakeSteps } from './resume.js';
export type { WaitRequest } from './signals.js';
export { SleepSignal, SubFlowWaitSignal, WaitSignal } from './signals.js';
export { waitForEventIn } from './wait-for-event.js';
export type { NewWait, WaitOfStep } from './waits.js';
export { correlationOf, findMatchingEvent, insertWait, settleWait } from './waits.js';
