// What every engine operation is given: database, queue, caches, logger, metrics and settings. Only shared
// resources live here; what a stage keeps for itself (the ingest group commit, say) stays in its folder.
import type { Database, ReservedDb, Transaction } from '@tributary/db';
import type { CallFlowOutcome, CallFlowRequest, HttpClient } from '@tributary/nodes';
import type { FlowCache } from './flow-cache.js';
import type { Keyring } from './keyring.js';
import type { LiveFlows } from './live-flows.js';
import type { Logger } from './logger.js';
import type { EngineMetrics } from './metrics.js';
import type { StepQueue, StepRef } from './step-queue.js';
import type { Tracing } from './tracing.js';

export interface EngineSettings {
  /** Time limit of a step attempt when the node sets none. */
  stepTimeoutMs: number;
  /** Extra time a running step's lease lasts past its time limit before it counts as stalled. */
  leaseGraceMs: number;
  /** Time limit of one expression. */
  expressionTimeoutMs: number;
  /** How long ingest waits for Redis before answering anyway (the sweeper enqueues later). */
  enqueueTimeoutMs: number;
  /**
   * How long ingest waits for Postgres before answering 503: for a commit, and for its turn in the group
   * commit's line while no commit succeeds (the line stands still).
   */
  ingestTimeoutMs: number;
  /**
   * Most time an event or tracking request waits in the group commit's line while commits succeed (the line
   * moves); past it 503. A burst the database works through is accepted within it.
   */
  ingestMaxWaitMs: number;
  /**
   * Most payload bytes one ingest commit writes (the first event of a commit goes whatever its size), so a
   * burst of large events is several commits that each finish within the time limit.
   */
  ingestBatchBytes: number;
  /**
   * Most payload bytes waiting for an ingest commit in this process (each event or tracking request counted
   * at least 1 KiB); past it ingest answers 503 at once instead of gathering load in memory.
   */
  ingestBacklogBytes: number;
  /** Most pure steps run inline after one step (step fusion); 0 gives every step a job of its own. */
  fuseMaxSteps: number;
  /** Time after which no further pure step starts inline in the same transaction. */
  fuseBudgetMs: number;
  /**
   * The same budget for the pure steps right after the trigger, run while the event is accepted (so a run of
   * pure nodes is finished when ingest answers, with no job at all); 0 leaves them to the worker.
   */
  ingestFuseBudgetMs: number;
  /** How many sub-flow calls deep a run may be; a call past it fails its step (sub_flow_depth). */
  subFlowMaxDepth: number;
}

export const DEFAULT_SETTINGS: EngineSettings = {
  stepTimeoutMs: 30_000,
  leaseGraceMs: 15_000,
  expressionTimeoutMs: 1_000,
  enqueueTimeoutMs: 1_000,
  ingestTimeoutMs: 2_000,
  ingestMaxWaitMs: 5_000,
  ingestBatchBytes: 2 * 1024 * 1024,
  ingestBacklogBytes: 64 * 1024 * 1024,
  fuseMaxSteps: 100,
  fuseBudgetMs: 50,
  ingestFuseBudgetMs: 5,
  subFlowMaxDepth: 10,
};

export interface EngineContext {
  db: Database;
  /** Connections kept for accepting events (see DbHandle.ingestDb). */
  ingestDb: Database;
  /** Their statement_timeout (DbHandle.ingestStatementTimeoutMs): what lets ingest write without a transaction. */
  ingestStatementTimeoutMs: number | undefined;
  /** A connection of the ingest pool for one caller (DbHandle.reserveIngest); undefined on PGlite. */
  reserveIngest: (() => Promise<ReservedDb>) | undefined;
  queue: StepQueue;
  flows: FlowCache;
  /** Published flows, for matching tracking triggers and exit goals. */
  live: LiveFlows;
  logger: Logger;
  metrics: EngineMetrics;
  http: HttpClient;
  /** Resolves and checks an address under the outbound policy, for protocols other than HTTP (SMTP). */
  resolveAddress(host: string): Promise<string>;
  /** Seals and opens credentials. */
  keyring: Keyring;
  settings: EngineSettings;
  /** OpenTelemetry spans (core/tracing.ts); undefined when tracing is off, which costs nothing then. */
  tracing?: Tracing | undefined;
  /**
   * Starts the flow a failed run's flow names in `settings.errorFlow`, in the transaction that failed the run
   * (so exactly once); gives the steps to enqueue after commit. Set by the engine (control/error-flow.ts):
   * the stages that settle runs sit below the one that starts runs.
   */
  startErrorFlow?: (tx: Transaction, runId: string) => Promise<StepRef[]>;
  /**
   * ctx.callFlow() of a step: starts the step's child run once, and once it has ended gives its outcome. Set
   * by the engine (control/sub-flows.ts), as starting runs sits above the stage that runs steps.
   */
  callSubFlow?: (
    caller: { runId: string; stepId: string },
    request: CallFlowRequest,
  ) => Promise<CallFlowOutcome>;
}
