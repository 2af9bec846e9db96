// Row types of the tables every stage reads, and the shape an event takes in expressions (`$event`).
import { isoString, type schema } from '@tributary/db';

export type RunRow = typeof schema.runs.$inferSelect;
export type StepRow = typeof schema.steps.$inferSelect;
export type StepInsert = typeof schema.steps.$inferInsert;
export type EventRow = typeof schema.events.$inferSelect;
export type WaitRow = typeof schema.waits.$inferSelect;

/** What a run needs of its event to start, and to show it as `$event`. */
export type EventView = Pick<EventRow, 'id' | 'source' | 'type' | 'receivedAt' | 'payload'>;

/** The shape `$event` has in expressions. */
export function eventScope(event: EventView) {
  return {
    id: event.id,
    source: event.source,
    type: event.type,
    receivedAt: isoString(event.receivedAt),
    payload: event.payload,
  };
}
