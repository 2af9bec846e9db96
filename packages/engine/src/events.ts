// The event log: reading what entered the system.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { NotFoundError } from '@tributary/flow';
import { eq } from 'drizzle-orm';

/** One event with the runs it started. */
export async function getEvent(db: Queryable, id: string) {
  const [event] = await db.select().from(schema.events).where(eq(schema.events.id, id));
  if (!event) throw new NotFoundError(`event ${id} does not exist`);
  const runs = await db
    .select({ id: schema.runs.id, flowId: schema.runs.flowId, status: schema.runs.status })
    .from(schema.runs)
    .where(eq(schema.runs.eventId, id));
  return { ...event, runs };
}
