// The instance's frequency caps: at most `limit` sends per person on a channel within `periodMs`, counted
// across every flow. Managed through the API by owners; every change is in the audit log.
import type { Queryable } from '@tributary/db';
import { newId, schema } from '@tributary/db';
import { ConflictError, NotFoundError, ValidationError } from '@tributary/flow';
import { and, asc, eq, ne } from 'drizzle-orm';
import { audit } from '../core/index.js';

/** The longest period a cap may count over: a year and a day. */
export const MAX_CAP_PERIOD_MS = 366 * 24 * 60 * 60 * 1000;
/** The shortest period a cap may count over. */
export const MIN_CAP_PERIOD_MS = 1000;
/** The largest limit a cap may have. */
export const MAX_CAP_LIMIT = 10_000;
/** How many caps an instance holds at most. */
export const MAX_FREQUENCY_CAPS = 200;

/** A frequency cap as answers show it. */
export interface FrequencyCapView {
  id: string;
  channel: string;
  limit: number;
  periodMs: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/** What a cap says (already validated by the caller's schema: the API's). */
export interface FrequencyCapInput {
  channel: string;
  limit: number;
  periodMs: number;
}

type CapRow = typeof schema.frequencyCaps.$inferSelect;

function viewOf(row: CapRow): FrequencyCapView {
  return {
    id: row.id,
    channel: row.channel,
    limit: row.limit,
    periodMs: row.periodMs,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    updatedBy: row.updatedBy,
  };
}

async function rowOf(db: Queryable, id: string): Promise<CapRow> {
  const [row] = await db.select().from(schema.frequencyCaps).where(eq(schema.frequencyCaps.id, id));
  if (!row) throw new NotFoundError(`no frequency cap has the id ${id}`);
  return row;
}

/** Every cap, by channel and period. */
export async function listFrequencyCaps(db: Queryable): Promise<FrequencyCapView[]> {
  const rows = await db
    .select()
    .from(schema.frequencyCaps)
    .orderBy(asc(schema.frequencyCaps.channel), asc(schema.frequencyCaps.periodMs));
  return rows.map(viewOf);
}

/** One cap; 404 when there is none with that id. */
export async function getFrequencyCap(db: Queryable, id: string): Promise<FrequencyCapView> {
  return viewOf(await rowOf(db, id));
}

/** Refuses a second cap of the same channel and period (409): it would say the same thing twice. */
async function refuseTwin(db: Queryable, input: FrequencyCapInput, except?: string): Promise<void> {
  const [twin] = await db
    .select({ id: schema.frequencyCaps.id })
    .from(schema.frequencyCaps)
    .where(
      and(
        eq(schema.frequencyCaps.channel, input.channel),
        eq(schema.frequencyCaps.periodMs, input.periodMs),
        except ? ne(schema.frequencyCaps.id, except) : undefined,
      ),
    );
  if (twin) {
    throw new ConflictError(
      `channel "${input.channel}" already has a cap over ${input.periodMs} ms (${twin.id}); change that one`,
      { code: 'frequency_cap_exists' },
    );
  }
}

function checkInput(input: FrequencyCapInput): void {
  if (input.limit < 1 || input.limit > MAX_CAP_LIMIT || !Number.isInteger(input.limit)) {
    throw new ValidationError('the limit is out of range', [
      { path: 'limit', code: 'out_of_range', message: `a whole number from 1 to ${MAX_CAP_LIMIT}` },
    ]);
  }
  if (input.periodMs < MIN_CAP_PERIOD_MS || input.periodMs > MAX_CAP_PERIOD_MS) {
    throw new ValidationError('the period is out of range', [
      {
        path: 'periodMs',
        code: 'out_of_range',
        message: `from ${MIN_CAP_PERIOD_MS} ms (a second) to ${MAX_CAP_PERIOD_MS} ms (366 days)`,
      },
    ]);
  }
}

/** Creates a cap; it holds for the next send on its channel, counting the sends already made. */
export async function createFrequencyCap(
  db: Queryable,
  input: FrequencyCapInput,
  actor: string,
): Promise<FrequencyCapView> {
  checkInput(input);
  await refuseTwin(db, input);
  const count = await db.$count(schema.frequencyCaps);
  if (count >= MAX_FREQUENCY_CAPS) {
    throw new ConflictError(`an instance holds at most ${MAX_FREQUENCY_CAPS} frequency caps`, {
      code: 'too_many_frequency_caps',
    });
  }
  const now = new Date();
  const id = newId();
  await db
    .insert(schema.frequencyCaps)
    .values({ id, ...input, createdAt: now, updatedAt: now, updatedBy: actor });
  await audit(db, actor, 'frequency_cap.create', 'frequency_cap', id, input);
  return getFrequencyCap(db, id);
}

/** Changes a cap's channel, limit or period. */
export async function updateFrequencyCap(
  db: Queryable,
  id: string,
  input: FrequencyCapInput,
  actor: string,
): Promise<FrequencyCapView> {
  checkInput(input);
  const before = await rowOf(db, id);
  await refuseTwin(db, input, id);
  await db
    .update(schema.frequencyCaps)
    .set({ ...input, updatedAt: new Date(), updatedBy: actor })
    .where(eq(schema.frequencyCaps.id, id));
  await audit(db, actor, 'frequency_cap.update', 'frequency_cap', id, {
    from: { channel: before.channel, limit: before.limit, periodMs: before.periodMs },
    to: input,
  });
  return getFrequencyCap(db, id);
}

/** Deletes a cap; sends on its channel are no longer held back by it. */
export async function deleteFrequencyCap(db: Queryable, id: string, actor: string): Promise<void> {
  const row = await rowOf(db, id);
  await db.delete(schema.frequencyCaps).where(eq(schema.frequencyCaps.id, id));
  await audit(db, actor, 'frequency_cap.delete', 'frequency_cap', id, {
    channel: row.channel,
    limit: row.limit,
    periodMs: row.periodMs,
  });
}
