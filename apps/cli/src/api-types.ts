// The shapes of the API answers the CLI reads (the parts it uses; see /api/v1/openapi.json for all).
import type { Problem } from '@tributary/flow';
import type { JsonObject } from './canonical.js';

/** GET /api/v1/flows item. */
export interface ApiFlow {
  id: string;
  slug: string;
  name: string;
  status: 'draft' | 'published' | 'inactive';
  activeVersion: number | null;
  latestVersion: number;
  draft: JsonObject;
  problems: Problem[];
}

/** GET /api/v1/flows/{id}/versions item. */
export interface ApiFlowVersion {
  version: number;
  createdAt: string;
  definition: JsonObject;
}

/** GET /api/v1/credentials item. */
export interface ApiCredential {
  id: string;
  name: string;
  type: string;
  fields: string[];
  allowedHosts: string[];
  usedBy: Array<{ id: string; slug: string; name: string }>;
  updatedAt: string;
}

/** One attempt at a step. */
export interface ApiAttempt {
  n: number;
  startedAt: string;
  finishedAt: string | null;
  error: { code: string; message: string; retryable: boolean } | null;
}

/** GET /api/v1/runs item. */
export interface ApiRunSummary {
  id: string;
  flowId: string;
  version: number;
  status: string;
  eventId: string;
  replayOf: string | null;
  test: boolean;
  error: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A step of a run. */
export interface ApiStep {
  id: string;
  nodeId: string;
  name: string;
  type: string;
  status: string;
  attempts: ApiAttempt[];
  input: unknown;
  output: unknown;
  error: unknown;
  durationMs: number | null;
}

/** GET /api/v1/runs/{id}. */
export interface ApiRun extends ApiRunSummary {
  steps: ApiStep[];
}

/** GET /api/v1/dead-letters item. */
export interface ApiDeadLetter {
  id: string;
  flowId: string;
  runId: string;
  stepId: string;
  nodeId: string;
  version: number;
  test: boolean;
  status: 'pending' | 'redriven' | 'discarded';
  input: unknown;
  error: unknown;
  attempts: ApiAttempt[];
  redriveStepId: string | null;
  createdAt: string;
  redrivenAt: string | null;
}

/** One page of a list. */
export interface ApiPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** A backfill and its progress (GET /backfills/{id}). */
export interface ApiBackfill {
  id: string;
  flowId: string;
  version: number;
  from: string;
  to: string;
  status: 'running' | 'done' | 'canceled' | 'failed';
  total: number;
  scanned: number;
  started: number;
  skipped: number;
  filterErrors: number;
  succeeded: number;
  failed: number;
  canceled: number;
  open: number;
  error: string | null;
}
