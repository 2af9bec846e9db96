// The signals a node's ctx throws to park its step: sleep until a time, wait for an event, or wait for the
// child run a sub-flow step started.
import type { NewWait } from './waits.js';

/** Thrown by ctx.sleep() to park the step until `wakeAt` (epoch ms). */
export class SleepSignal {
  readonly wakeAt: number;
  constructor(wakeAt: number) {
    this.wakeAt = wakeAt;
  }
}

/** What a wait records, before it knows its run, step and flow. */
export type WaitRequest = Omit<NewWait, 'runId' | 'stepId' | 'flowId'>;

/** Thrown by ctx.waitForEvent() the first time: park the step and record the wait. */
export class WaitSignal extends SleepSignal {
  readonly wait: WaitRequest;
  /** When the wait began: the lookback window counts back from here. */
  readonly startedAt = Date.now();
  constructor(wait: WaitRequest) {
    super(wait.expiresAt.getTime());
    this.wait = wait;
  }
}

/** Thrown by ctx.callFlow() while the step's child run goes on: park until it ends or `wakeAt` (its deadline). */
export class SubFlowWaitSignal extends SleepSignal {
  readonly childRunId: string;
  constructor(wakeAt: number, childRunId: string) {
    super(wakeAt);
    this.childRunId = childRunId;
  }
}
