// The one object a step's pipeline passes along — claim → resolve scope → execute → transition — instead of
// positional lists: what runs (flow, node, type), for which run and step, and where its scope comes from.
import type { AttemptRecord, EmptyExpression, Queryable } from '@tributary/db';
import { isoString } from '@tributary/db';
import type { FlowNode } from '@tributary/flow';
import type { NodeOutput, NodeType, SentRequest, StepLogs } from '@tributary/nodes';
import type {
  CompiledFlow,
  EngineContext,
  EventRow,
  EventView,
  PayloadIndex,
  RunRow,
  StepRow,
} from '../core/index.js';
import type { WaitOfStep } from '../waits/index.js';

/** What a step sees of its run (`trace`: where its step spans hang, when tracing is on). */
export type RunView = Pick<RunRow, 'id' | 'flowId' | 'version' | 'eventId'> & Partial<Pick<RunRow, 'trace'>>;

/** What running a node needs of its step. */
export interface ExecutableStep {
  id: string;
  runId: string;
  nodeId: string;
  input: unknown;
  state: Record<string, unknown> | null;
  attempts: readonly AttemptRecord[];
}

/** A finished step as `$steps` shows it. */
export interface StepResult {
  input: unknown;
  output: NodeOutput;
}

/** Where `$event`, `$steps` and `$profile` come from. */
export interface ScopeSource {
  /** Absent while the run is being accepted (nothing of it is stored yet): then nothing is read. */
  db?: Queryable | undefined;
  /** The run's event, when it is at hand (at ingest, or read with the claim). */
  event?: (EventView & { userId?: string | null }) | undefined;
  /** Steps run inline whose rows are not written yet, by node name: they count as finished. */
  unsaved?: ReadonlyMap<string, StepResult>;
}

/** One attempt at running a step's node, delivered by its job or run inline (step fusion). */
export interface StepAttempt {
  ctx: EngineContext;
  flow: CompiledFlow;
  run: RunView;
  node: FlowNode;
  type: NodeType;
  step: ExecutableStep;
  source: ScopeSource;
  /** The step's wait and the event that settled it, as the claim read them (a step that parked before). */
  parked?: WaitOfStep | undefined;
}

/** A step this delivery holds under its lease: what every transition after the claim needs. */
export interface Lease {
  ctx: EngineContext;
  flow: CompiledFlow;
  step: StepRow;
  token: string;
  /**
   * The parts of the event's payload the step's input holds (present when it holds any): what the step
   * writes stores them as references too (core/payload-refs.ts).
   */
  payload?: PayloadIndex | undefined;
  /** The run's event, when the claim read it (with `payload`): what the step's pure successors see too. */
  event?: EventRow | undefined;
}

/** A claimed step's attempt: runs the node, then commits its outcome under the lease. */
export type Delivery = StepAttempt & Lease;

/** A step error as stored on attempts, steps and dead letters. */
export interface StepError {
  code: string;
  message: string;
  retryable: boolean;
}

/** What an attempt keeps besides its outcome: its user code's lines, the HTTP request it sent. */
export interface AttemptExtras {
  logs?: StepLogs | undefined;
  request?: SentRequest | undefined;
  emptyExpressions?: EmptyExpression[] | undefined;
}

/**
 * The step's attempts with the last one finished now, with `error` (null when it succeeded), the lines the
 * node's user code printed and the HTTP request it sent, when it did.
 */
export function finishAttempt(
  attempts: readonly AttemptRecord[],
  error: StepError | null,
  { logs, request, emptyExpressions }: AttemptExtras = {},
): AttemptRecord[] {
  const copy = attempts.map((a) => ({ ...a }));
  const last = copy[copy.length - 1];
  if (last) {
    last.finishedAt = isoString(new Date());
    last.error = error ? { code: error.code, message: error.message, retryable: error.retryable } : null;
    if (logs) last.logs = logs;
    if (request) last.request = request;
    if (emptyExpressions) last.emptyExpressions = emptyExpressions;
  }
  return copy;
}
