// Counting sends against frequency caps, race-free: a sending step takes its send (one row, keyed by the step)
// before its node runs, under an advisory lock per person and channel, after counting that person's sends in
// each cap's period. Two steps of one person — any flows, any workers — check and take one after the other,
// so a cap of N lets exactly N through. Retries find their row and count once; a step that fails for good
// gives its send back.
import type { Queryable, Transaction } from '@tributary/db';
import { schema, selectRows } from '@tributary/db';
import { and, desc, eq, gt, lt, max, sql } from 'drizzle-orm';

/** The advisory lock space of frequency-cap counting (the second key: the hash of person and channel). */
const LOCK_CLASS = sql.raw('7210006');

/** Which send a step would make. */
export interface SendRequest {
  stepId: string;
  runId: string;
  flowId: string;
  /** `userId:<id>` or `anonymousId:<id>`. */
  person: string;
  channel: string;
}

/** The cap that holds a send back, and when a slot in it frees up. */
export interface CapReached {
  channel: string;
  limit: number;
  periodMs: number;
  /** When the oldest counted send leaves the period (the latest such time when several caps are reached). */
  until: Date;
}

/** The step may send (its send is counted), or a cap holds it back. */
export type SendCheck = { kind: 'counted' } | { kind: 'capped'; cap: CapReached };

/**
 * Takes a send for the step at `now` unless a cap of its channel is reached for its person. A step that took
 * its send before (an earlier attempt) keeps it.
 */
export function takeSend(db: Queryable, request: SendRequest, now = new Date()): Promise<SendCheck> {
  return db.transaction(async (tx) => {
    const { person, channel } = request;
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(${`${person}\n${channel}`}))`);
    const [taken] = await tx
      .select({ stepId: schema.frequencyCapSends.stepId })
      .from(schema.frequencyCapSends)
      .where(eq(schema.frequencyCapSends.stepId, request.stepId));
    if (taken) return { kind: 'counted' };
    const caps = await tx
      .select()
      .from(schema.frequencyCaps)
      .where(eq(schema.frequencyCaps.channel, channel));
    let reached: CapReached | undefined;
    for (const cap of caps) {
      const until = await slotFreesAt(tx, person, channel, cap.limit, cap.periodMs, now);
      if (until && (!reached || until > reached.until)) {
        reached = { channel, limit: cap.limit, periodMs: cap.periodMs, until };
      }
    }
    if (reached) return { kind: 'capped', cap: reached };
    await forgetOldSends(tx, person, channel, now);
    await tx.insert(schema.frequencyCapSends).values({ ...request, sentAt: now });
    return { kind: 'counted' };
  });
}

/**
 * When the cap is reached at `now`: the time its `limit`-th latest send leaves the period; undefined while
 * fewer than `limit` sends fall in it.
 */
async function slotFreesAt(
  tx: Transaction,
  person: string,
  channel: string,
  limit: number,
  periodMs: number,
  now: Date,
): Promise<Date | undefined> {
  const S = schema.frequencyCapSends;
  const sends = await tx
    .select({ sentAt: S.sentAt })
    .from(S)
    .where(
      and(eq(S.person, person), eq(S.channel, channel), gt(S.sentAt, new Date(now.getTime() - periodMs))),
    )
    .orderBy(desc(S.sentAt))
    .limit(limit);
  const oldest = sends[limit - 1];
  return oldest ? new Date(oldest.sentAt.getTime() + periodMs) : undefined;
}

/**
 * Deletes the person's sends on the channel that no cap of the instance can count any more (older than the
 * longest period), so the table holds what caps need and not every send ever made.
 */
async function forgetOldSends(tx: Transaction, person: string, channel: string, now: Date): Promise<void> {
  const keepMs = await sendsKeptMs(tx);
  const S = schema.frequencyCapSends;
  await tx
    .delete(S)
    .where(and(eq(S.person, person), eq(S.channel, channel), lt(S.sentAt, new Date(now.getTime() - keepMs))));
}

/** How long a send is kept: the longest cap's period, and at least a year and a day (a cap made later counts them). */
async function sendsKeptMs(db: Queryable): Promise<number> {
  const [longest] = await db.select({ ms: max(schema.frequencyCaps.periodMs) }).from(schema.frequencyCaps);
  return Math.max(Number(longest?.ms ?? 0), 366 * 24 * 60 * 60 * 1000);
}

/**
 * Deletes up to `limit` sends of anyone that no cap can count any more (the retention job's share: people who
 * never send again are not cleaned by forgetOldSends); answers how many went.
 */
export async function forgetExpiredSends(db: Queryable, limit: number): Promise<number> {
  const S = schema.frequencyCapSends;
  const keepMs = await sendsKeptMs(db);
  const deleted = await selectRows<{ id: string }>(
    db,
    sql`delete from ${S} where ${S.stepId} in (
        select ${S.stepId} from ${S} where ${S.sentAt} < now() - make_interval(secs => ${keepMs / 1000})
        limit ${limit}
        for update skip locked)
      returning ${S.stepId} as id`,
  );
  return deleted.length;
}

/** Gives a step's send back (the step failed for good: nothing reached the person). */
export async function releaseSend(tx: Queryable, stepId: string): Promise<void> {
  await tx.delete(schema.frequencyCapSends).where(eq(schema.frequencyCapSends.stepId, stepId));
}

/** How many sends of a person on a channel are counted (for tests and the run view's words). */
export async function countedSends(db: Queryable, person: string, channel: string): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from ${schema.frequencyCapSends}
      where ${schema.frequencyCapSends.person} = ${person} and ${schema.frequencyCapSends.channel} = ${channel}`,
  );
  return Number(row?.n ?? 0);
}
