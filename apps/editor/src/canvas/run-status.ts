// Which step stands for a node in a run overlay: the newest one (a redrive or retry adds newer steps).
import type { Step, StepStatus } from '../api/types';

/** The newest step of every node. */
export function latestStepByNode(steps: Readonly<Record<string, Step>> | undefined): Map<string, Step> {
  const byNode = new Map<string, Step>();
  if (!steps) return byNode;
  for (const step of Object.values(steps)) {
    const seen = byNode.get(step.nodeId);
    if (
      !seen ||
      step.createdAt > seen.createdAt ||
      (step.createdAt === seen.createdAt && step.id > seen.id)
    ) {
      byNode.set(step.nodeId, step);
    }
  }
  return byNode;
}

/** Every step of one node, oldest first. */
export function stepsOfNode(steps: Readonly<Record<string, Step>> | undefined, nodeId: string): Step[] {
  if (!steps) return [];
  return Object.values(steps)
    .filter((s) => s.nodeId === nodeId)
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
}

const LABELS: Record<StepStatus, string> = {
  pending: 'pending',
  held: 'held back',
  queued: 'queued',
  running: 'running',
  waiting: 'waiting',
  succeeded: 'succeeded',
  failed: 'failed',
  dead: 'dead-lettered',
  skipped: 'skipped',
  canceled: 'canceled',
};

/** A step status as people read it. */
export function stepStatusLabel(status: StepStatus): string {
  return LABELS[status];
}

/** The error message of a step or dead letter, whatever shape it has. */
export function errorText(error: unknown): string | null {
  if (error === null || error === undefined) return null;
  if (typeof error === 'string') return error;
  if (typeof error === 'object') {
    // any object may be read for optional fields; both are checked below
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof message === 'string') return typeof code === 'string' ? `${code}: ${message}` : message;
  }
  return JSON.stringify(error);
}
