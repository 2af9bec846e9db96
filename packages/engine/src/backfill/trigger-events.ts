// Which stored events a flow version's trigger would have started a run for, and the trigger item each gets:
// the same sources (and, for tracking, the same matching) that live ingest routes by.
import { schema } from '@tributary/db';
import { ConflictError } from '@tributary/flow';
import type { TrackingTriggerConfig } from '@tributary/nodes';
import type { SQL } from 'drizzle-orm';
import { and, eq, inArray, like } from 'drizzle-orm';
import type { CompiledFlow, EngineContext, EventRow } from '../core/index.js';
import { normaliseHookPath } from '../core/index.js';
import { TRACKING_SOURCE_PREFIX, trackingTriggerMatches } from '../tracking/index.js';

const E = schema.events;

/** The events a trigger takes: a condition on `events` that narrows them, and the final word per event. */
export interface TriggerEvents {
  /** Candidates: the trigger's sources (and for tracking its type, names and sources). */
  where: SQL;
  /** The trigger item the event starts the flow with, or undefined when the trigger would not take it. */
  itemOf(event: EventRow): Promise<unknown>;
}

/** The trigger kinds a backfill replays into (the others have no stored events of their own). */
export const BACKFILL_TRIGGER_KINDS = ['webhook', 'tracking', 'schedule', 'broker'] as const;

/**
 * The stored events `flow`'s trigger takes. Throws ConflictError for a disabled trigger and for triggers whose
 * runs come from no stored events of their own (manual, sub-flow).
 */
export function triggerEventsOf(ctx: EngineContext, flow: CompiledFlow): TriggerEvents {
  const { trigger } = flow;
  if (trigger.disabled) {
    throw new ConflictError(`the trigger of version ${flow.version} is disabled: it takes no events`, {
      code: 'trigger_disabled',
    });
  }
  const payload = async (event: EventRow) => event.payload;
  // trigger configs of these kinds hold no expressions, so they parsed when the version was compiled
  const config = flow.configsAsWritten.get(trigger.id);
  switch (flow.triggerKind) {
    case 'webhook': {
      // the event's source is the path as requested (hooks.ts); routing trims its slashes
      const path = normaliseHookPath((config as { path: string }).path);
      const sources = [path, `${path}/`, `/${path}`, `/${path}/`].map((p) => `webhook:${p}`);
      return { where: and(eq(E.type, 'webhook'), inArray(E.source, sources)) as SQL, itemOf: payload };
    }
    case 'schedule':
      return { where: eq(E.source, `schedule:${flow.flowId}`), itemOf: payload };
    case 'broker': {
      const consumer = flow.types.get(trigger.id)?.traits.consumer;
      if (!consumer) break;
      return { where: eq(E.source, `${consumer.credentialType}:${flow.flowId}`), itemOf: payload };
    }
    case 'tracking': {
      const tracking = config as TrackingTriggerConfig;
      const conditions: SQL[] = [like(E.source, `${TRACKING_SOURCE_PREFIX}%`), eq(E.type, tracking.type)];
      if (tracking.events?.length) conditions.push(inArray(E.name, tracking.events));
      if (tracking.sources?.length) {
        conditions.push(
          inArray(
            E.source,
            tracking.sources.map((id) => `${TRACKING_SOURCE_PREFIX}${id}`),
          ),
        );
      }
      return {
        where: and(...conditions) as SQL,
        async itemOf(event) {
          if (!(await trackingTriggerMatches(ctx, flow, event))) return undefined;
          // which traits an identify call changed is not kept with its event: a replay cannot know it
          return tracking.type === 'identify'
            ? { ...(event.payload as Record<string, unknown>), changedTraits: [] }
            : event.payload;
        },
      };
    }
    default:
      break;
  }
  throw new ConflictError(
    `a backfill replays stored events into flows with a ${BACKFILL_TRIGGER_KINDS.join(', ')} trigger; this flow's is ${flow.triggerKind ?? 'unknown'}`,
    { code: 'backfill_unsupported_trigger' },
  );
}
