// Ingest of tracking calls (Segment-style): one transaction for a whole batch — events, profiles, runs of
// matching tracking triggers — then, once committed, resume the waits and apply the exit goals they match.
import type { Transaction } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import { resolveConfig } from '@tributary/flow';
import type { TrackingTriggerConfig } from '@tributary/nodes';
import { isTruthy } from '@tributary/nodes';
import type { CompiledFlow, EngineContext, EventRow, StepRef } from '../core/index.js';
import { enqueueSafely, eventScope } from '../core/index.js';
import { firstAccepted } from '../history/index.js';
import { acceptTransaction, startRun, withDatabase } from '../ingest/index.js';
import { applyIdentity, lockIdentitiesOfBatch, profileForUser } from '../profiles/index.js';
import { resumeWaitsFor } from '../waits/index.js';
import { applyExitGoals } from './exit-goals.js';

/** One validated tracking call, as the tracking API hands it over. */
export interface TrackingMessage {
  type: 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias';
  messageId: string;
  /** track */
  event?: string;
  /** page / screen */
  name?: string;
  userId?: string | null;
  anonymousId?: string | null;
  /** alias */
  previousId?: string;
  traits?: Record<string, unknown>;
  /** Corrected for client clock skew, ISO-8601. */
  timestamp: string;
  /** Server time, ISO-8601. */
  receivedAt: string;
  /** The whole message as received, plus receivedAt and the corrected timestamp. */
  payload: Record<string, unknown>;
}

export interface TrackingResult {
  messageId: string;
  eventId: string;
  duplicate: boolean;
  runs: Array<{ id: string; flowId: string }>;
}

/** The event name a message is known by: a track's `event`, a page's or screen's `name`. */
export function eventNameOf(message: Pick<TrackingMessage, 'type' | 'event' | 'name'>): string | null {
  if (message.type === 'track') return message.event ?? null;
  if (message.type === 'page' || message.type === 'screen') return message.name ?? null;
  return null;
}

async function triggerMatches(
  ctx: EngineContext,
  flow: CompiledFlow,
  sourceId: string,
  message: TrackingMessage,
  event: EventRow,
): Promise<boolean> {
  if (flow.triggerKind !== 'tracking' || flow.trigger.disabled) return false;
  // tracking trigger configs parse without expressions (the condition is kept raw and evaluated here)
  const config = flow.configsAsWritten.get(flow.trigger.id) as TrackingTriggerConfig | undefined;
  if (!config || config.type !== message.type) return false;
  const name = eventNameOf(message);
  if (config.events?.length && (name === null || !config.events.includes(name))) return false;
  if (config.sources?.length && !config.sources.includes(sourceId)) return false;
  if (config.condition === undefined) return true;
  try {
    const value = await resolveConfig(
      config.condition,
      { event: eventScope(event), json: message.payload },
      { timeoutMs: ctx.settings.expressionTimeoutMs },
    );
    return isTruthy(value);
  } catch (err) {
    ctx.logger.warn(
      { err: String(err), flowId: flow.flowId },
      'tracking trigger condition failed; not starting',
    );
    return false;
  }
}

/** The traits the message's person had before this call (empty for someone new). */
async function knownTraits(tx: Transaction, message: TrackingMessage): Promise<Record<string, unknown>> {
  const userId = message.userId ?? undefined;
  const profile = userId ? await profileForUser(tx, userId) : undefined;
  return profile?.traits ?? {};
}

/** Names of the traits whose values this identify call sets for the first time or changes. */
export function changedTraits(
  before: Record<string, unknown>,
  traits: Record<string, unknown> | undefined,
): string[] {
  return Object.entries(traits ?? {})
    .filter(([key, value]) => JSON.stringify(before[key]) !== JSON.stringify(value))
    .map(([key]) => key);
}

async function ingestOne(
  tx: Transaction,
  ctx: EngineContext,
  flows: readonly CompiledFlow[],
  sourceId: string,
  message: TrackingMessage,
  fresh: EventRow[],
  toEnqueue: StepRef[],
): Promise<TrackingResult> {
  const source = `tracking:${sourceId}`;
  const row = {
    id: newId(),
    source,
    type: message.type,
    idempotencyKey: message.messageId,
    payload: message.payload,
    receivedAt: new Date(message.receivedAt),
    name: eventNameOf(message),
    userId: message.userId ?? null,
    anonymousId: message.anonymousId ?? null,
    occurredAt: new Date(message.timestamp),
  };
  const inserted = await tx
    .insert(schema.events)
    .values(row)
    .onConflictDoNothing({ target: [schema.events.source, schema.events.idempotencyKey] })
    .returning();
  const event = inserted[0];
  if (!event) {
    const first = await firstAccepted(tx, source, message.messageId);
    return {
      messageId: message.messageId,
      eventId: first?.eventId ?? '',
      duplicate: true,
      runs: first?.runs ?? [],
    };
  }
  fresh.push(event);
  const before = message.type === 'identify' ? await knownTraits(tx, message) : {};
  await applyIdentity(tx, message);
  // identify items say which traits are new or changed, so a flow can react to e.g. a new email
  const item =
    message.type === 'identify'
      ? { ...message.payload, changedTraits: changedTraits(before, message.traits) }
      : message.payload;
  const runs: TrackingResult['runs'] = [];
  for (const flow of flows) {
    if (!(await triggerMatches(ctx, flow, sourceId, message, event))) continue;
    const started = await startRun(tx, ctx, { flow, event, item });
    runs.push({ id: started.id, flowId: started.flowId });
    toEnqueue.push(...started.toEnqueue);
  }
  return { messageId: message.messageId, eventId: event.id, duplicate: false, runs };
}

/**
 * Accepts a batch of tracking calls from one source. A repeated messageId is a duplicate: accepted, but it
 * stores and starts nothing. Postgres unreachable → UnavailableError (503).
 */
export async function ingestTracking(
  ctx: EngineContext,
  sourceId: string,
  messages: readonly TrackingMessage[],
): Promise<TrackingResult[]> {
  const flows = await withDatabase(ctx, () => ctx.live.list(ctx.db, ctx.flows), 'loading live flows');
  const fresh: EventRow[] = [];
  const toEnqueue: StepRef[] = [];
  const results = await acceptTransaction(ctx, 'writing tracking events', async (tx) => {
    fresh.length = 0;
    toEnqueue.length = 0;
    const out: TrackingResult[] = [];
    await lockIdentitiesOfBatch(tx, messages);
    for (const message of messages)
      out.push(await ingestOne(tx, ctx, flows, sourceId, message, fresh, toEnqueue));
    return out;
  });
  const started = results.reduce((n, r) => n + r.runs.length, 0);
  if (fresh.length > 0) ctx.metrics.eventsIngested.inc({ source: 'tracking' }, fresh.length);
  if (!results.every((r) => r.duplicate)) ctx.metrics.runsStarted.inc(started);
  await enqueueSafely(ctx, toEnqueue);
  try {
    await resumeWaitsFor(ctx, fresh);
    await applyExitGoals(ctx, flows, fresh);
  } catch (err) {
    // the events are committed; a wait still finds them at its timeout, from the event log
    ctx.logger.warn({ err }, 'resuming waits after ingest failed');
  }
  return results;
}
