// Shapes of the API's answers, as the editor reads them (the server's zod schemas are the source of truth).
import type { FlowDefinition, Problem, RetryPolicyInput } from '@tributary/flow';

export type { FlowDefinition, Problem, RetryPolicyInput };

/** A flow node as stored in a definition. */
export type FlowNodeDef = FlowDefinition['nodes'][number];
/** A flow edge as stored in a definition. */
export type FlowEdgeDef = FlowDefinition['edges'][number];

export type FlowStatus = 'draft' | 'published' | 'inactive';

/** A flow with its draft and the problems that stand between the draft and publishing. */
export interface FlowView {
  id: string;
  slug: string;
  name: string;
  description: string;
  status: FlowStatus;
  activeVersion: number | null;
  latestVersion: number;
  draft: FlowDefinition;
  problems: Problem[];
  createdAt: string;
  updatedAt: string;
}

/** Run counts of a flow over the last day. */
export interface FlowStats {
  lastRunAt: string | null;
  lastRunStatus: string | null;
  runs24h: number;
  failed24h: number;
}

export interface FlowListItem extends FlowView {
  stats?: FlowStats;
}

export interface FlowVersion {
  version: number;
  createdAt: string;
  createdBy: string | null;
  definition: FlowDefinition;
}

export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'canceled';

export type StepStatus =
  | 'pending'
  | 'queued'
  | 'running'
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'dead'
  | 'skipped'
  | 'canceled';

export interface StepError {
  code: string;
  message: string;
  retryable?: boolean;
}

export interface Attempt {
  n: number;
  startedAt: string;
  finishedAt: string | null;
  error: StepError | null;
}

export interface RunSummary {
  id: string;
  flowId: string;
  version: number;
  status: RunStatus;
  eventId: string;
  replayOf: string | null;
  test: boolean;
  error: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Step {
  id: string;
  nodeId: string;
  name: string;
  type: string;
  status: StepStatus;
  attempts: Attempt[];
  input: unknown;
  /** Items per output port, e.g. `{ main: [...] }`. */
  output: Record<string, unknown[]> | null;
  error: unknown;
  retryOf: string | null;
  dueAt: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface Run extends RunSummary {
  steps: Step[];
}

export interface EventRecord {
  id: string;
  source: string;
  type: string;
  idempotencyKey: string | null;
  payload: unknown;
  receivedAt: string;
}

export type DeadLetterStatus = 'pending' | 'redriven' | 'discarded';

export interface DeadLetter {
  id: string;
  flowId: string;
  runId: string;
  stepId: string;
  nodeId: string;
  version: number;
  status: DeadLetterStatus;
  input: unknown;
  error: unknown;
  attempts: Attempt[];
  redriveStepId: string | null;
  createdAt: string;
  redrivenAt: string | null;
}

export interface DeadLetterGroup {
  signature: string;
  flowId: string;
  nodeId: string;
  code: string;
  message: string;
  count: number;
  latestAt: string;
  ids: string[];
}

export interface RedriveResult {
  id: string;
  ok: boolean;
  stepId?: string;
  error?: { code: string; message: string };
}

export type NodeCategory = 'trigger' | 'logic' | 'action';

/** A node type of the catalogue: ports, retry defaults and config JSON Schema. */
export interface NodeTypeInfo {
  type: string;
  version: number;
  category: NodeCategory;
  title: string;
  description: string;
  icon: string;
  inputs: string[];
  outputs: string[];
  dynamicOutputs: boolean;
  errorPort: boolean;
  retry: { attempts: number; backoff: string; delayMs: number; maxDelayMs: number; jitter: boolean };
  secretFields: string[];
  outputDescription: string | null;
  configSchema: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
