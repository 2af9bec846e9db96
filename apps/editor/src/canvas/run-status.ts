// Which step stands for a node in a run overlay: the newest one (a redrive or retry adds newer steps).
import type { Step, StepStatus } from '../api/types';
import { duration } from '../ui/time';
import { heldFact } from './held-words';

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

/** The ports a step sent items to, other than plain `main` (e.g. `received`, `timeout`, `true`). */
function portsTaken(output: Step['output']): string[] {
  if (!output) return [];
  return Object.entries(output)
    .filter(([port, items]) => port !== 'main' && Array.isArray(items) && items.length > 0)
    .map(([port]) => port);
}

/** A whole number of seconds or minutes, for countdowns ("in 3 s", "in 2 min"). */
function countdown(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/**
 * What a step did, in a few words beside its status: the port it took ("→ received"), how long it ran — or,
 * for a step that parked (a wait, a delay), how long it waited — and, while a retry is due, when it comes
 * ("next try in 3 s"). `now` makes the countdown testable and lets callers re-render it every second.
 */
export function stepFacts(step: Step, now: number): string[] {
  const facts: string[] = [];
  const ports = portsTaken(step.output);
  if (ports.length > 0) facts.push(`→ ${ports.join(', ')}`);
  if (step.held) facts.push(heldFact(step.held));
  const due = step.dueAt ? Date.parse(step.dueAt) - now : null;
  if (step.status === 'queued' && step.attempts.length > 0 && due !== null && due > 0) {
    facts.push(`next try in ${countdown(due)}`);
  } else if (step.status === 'waiting' && due !== null && due > 0) {
    // a step a sending rule parked runs (sends) when its wait is over; other waits give up then
    facts.push(step.held ? `sends in ${countdown(due)}` : `gives up in ${countdown(due)}`);
  } else if (step.durationMs !== null) {
    const elapsed =
      step.startedAt && step.finishedAt ? Date.parse(step.finishedAt) - Date.parse(step.startedAt) : null;
    // a parked step ran twice briefly around a long wait: the wait is what people want to know
    const waited = elapsed !== null && step.attempts.length <= 1 && elapsed > step.durationMs + 1000;
    facts.push(waited ? `waited ${duration(elapsed)}` : duration(step.durationMs));
  }
  if (step.attempts.length > 1) facts.push(`${step.attempts.length} attempts`);
  return facts;
}

/** Whether a step shows a countdown, so its view re-renders every second. */
export function stepCountsDown(step: Step): boolean {
  return (step.status === 'queued' || step.status === 'waiting') && step.dueAt !== null;
}
