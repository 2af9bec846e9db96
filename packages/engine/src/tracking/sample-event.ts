// A tracking trigger's test input from the event log: the newest stored event its filter lets through, so a
// test run starts from what the site really sends instead of a made-up example.
import { schema } from '@tributary/db';
import type { TrackingTriggerConfig } from '@tributary/nodes';
import { and, desc, eq, inArray, like } from 'drizzle-orm';
import type { EngineContext, EventRow } from '../core/index.js';
import { TRACKING_SOURCE_PREFIX, trackingConfigMatches } from './ingest-tracking.js';

/** How many of the newest tracking events are searched: a bounded scan, whatever the log's size. */
const SCAN = 10_000;
/** How many matches of type, name and source are tried against the trigger's condition at most. */
const CONDITION_TRIES = 20;

export interface SampleEvent {
  event: Pick<EventRow, 'id' | 'source' | 'type' | 'name' | 'receivedAt'>;
  /** The item a run of the trigger would get for it. */
  item: Record<string, unknown>;
}

/**
 * The newest event among the last 10,000 tracking events that `config` lets through — its type, event names,
 * sources and condition (tried on the newest 20 that match the rest) — with the item a run would get, or
 * undefined when none does. An identify call's `changedTraits` depends on the profile as it was then, which
 * is not kept: a logged identify is given all its trait names.
 */
export async function sampleTrackingEvent(
  ctx: EngineContext,
  config: TrackingTriggerConfig,
): Promise<SampleEvent | undefined> {
  const E = schema.events;
  const newest = ctx.db
    .select()
    .from(E)
    .where(like(E.source, `${TRACKING_SOURCE_PREFIX}%`))
    .orderBy(desc(E.id))
    .limit(SCAN)
    .as('newest');
  const candidates = await ctx.db
    .select()
    .from(newest)
    .where(
      and(
        eq(newest.type, config.type),
        config.events?.length ? inArray(newest.name, config.events) : undefined,
        config.sources?.length
          ? inArray(
              newest.source,
              config.sources.map((id) => `${TRACKING_SOURCE_PREFIX}${id}`),
            )
          : undefined,
      ),
    )
    .orderBy(desc(newest.id))
    .limit(config.condition === undefined ? 1 : CONDITION_TRIES);
  for (const event of candidates) {
    if (!(await trackingConfigMatches(ctx, config, event))) continue;
    const payload = (event.payload ?? {}) as Record<string, unknown>;
    const traits = payload.traits;
    const item =
      event.type === 'identify'
        ? {
            ...payload,
            changedTraits: traits && typeof traits === 'object' ? Object.keys(traits) : [],
          }
        : payload;
    const { id, source, type, name, receivedAt } = event;
    return { event: { id, source, type, name, receivedAt }, item };
  }
  return undefined;
}
