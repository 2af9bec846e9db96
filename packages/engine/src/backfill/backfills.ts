// Backfills as people see them: starting one (checked whole before anything is written), its progress, the
// backfills of a flow, and cancelling one.
import type { BackfillStatus, Queryable } from '@tributary/db';
import { newId, OPEN_RUN_STATUSES, schema } from '@tributary/db';
import { ConflictError, NotFoundError, ValidationError } from '@tributary/flow';
import { and, count, eq, gte, isNull, lt, sql } from 'drizzle-orm';
import type { EngineContext } from '../core/index.js';
import { audit } from '../core/index.js';
import type { Page, PageQuery } from '../history/index.js';
import { keysetPage } from '../history/index.js';
import type { BackfillFilter } from './filter.js';
import { checkBackfillFilter, filterWhere } from './filter.js';
import { triggerEventsOf } from './trigger-events.js';

const B = schema.backfills;
const E = schema.events;
const R = schema.runs;

/** How many runs of a backfill may be open at once when the request does not say. */
export const DEFAULT_BACKFILL_MAX_IN_FLIGHT = 50;
/** The most a request may ask for. */
export const MAX_BACKFILL_MAX_IN_FLIGHT = 1000;

export interface BackfillRequest {
  /** Events received at or after this time… */
  from: Date;
  /** …and before this one (not in the future: live events start their own runs). */
  to: Date;
  /** A published version of the flow; its live version when absent. */
  version?: number | undefined;
  filter?: BackfillFilter | undefined;
  /** Runs of the backfill open at most at once. */
  maxInFlight?: number | undefined;
}

/** A backfill with its progress. */
export interface BackfillView {
  id: string;
  flowId: string;
  version: number;
  from: string;
  to: string;
  filter: BackfillFilter | null;
  status: BackfillStatus;
  maxInFlight: number;
  /** Events of the range from the trigger's sources (counted at the start; the final count once all are looked at). */
  total: number;
  /** Events looked at so far. */
  scanned: number;
  /** Runs started. */
  started: number;
  /** Events the trigger's condition or the filter let pass by (filterErrors of them: the condition failed). */
  skipped: number;
  filterErrors: number;
  /** Of the runs started: succeeded, failed, canceled, and still open. */
  succeeded: number;
  failed: number;
  canceled: number;
  open: number;
  error: string | null;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
}

type BackfillRow = typeof B.$inferSelect;

/** Starts a backfill of `flowId` after checking all of it; throws NotFound/Conflict/Validation errors. */
export async function startBackfill(
  ctx: EngineContext,
  flowId: string,
  request: BackfillRequest,
  actor: string,
): Promise<BackfillView> {
  const problems = [];
  if (!(request.from < request.to)) problems.push({ path: 'from', message: '`from` must be before `to`' });
  if (request.to.getTime() > Date.now()) {
    problems.push({
      path: 'to',
      message: '`to` must not be in the future: events arriving from now on start their runs themselves',
    });
  }
  const maxInFlight = request.maxInFlight ?? DEFAULT_BACKFILL_MAX_IN_FLIGHT;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > MAX_BACKFILL_MAX_IN_FLIGHT) {
    problems.push({ path: 'maxInFlight', message: `maxInFlight must be 1 to ${MAX_BACKFILL_MAX_IN_FLIGHT}` });
  }
  if (problems.length > 0) throw new ValidationError('the backfill request is not valid', problems);
  const [flow] = await ctx.db
    .select({ active: schema.flows.activeVersion, latest: schema.flows.latestVersion })
    .from(schema.flows)
    .where(and(eq(schema.flows.id, flowId), isNull(schema.flows.deletedAt)));
  if (!flow) throw new NotFoundError(`flow ${flowId} does not exist`);
  const version = request.version ?? flow.active;
  if (version === null || version === undefined) {
    throw new ConflictError(`flow ${flowId} has no published version to backfill into; name one`, {
      code: 'not_published',
    });
  }
  const [stored] = await ctx.db
    .select({ version: schema.flowVersions.version })
    .from(schema.flowVersions)
    .where(and(eq(schema.flowVersions.flowId, flowId), eq(schema.flowVersions.version, version)));
  // negative versions are test snapshots of the draft, never published
  if (!stored || version < 1) {
    throw new NotFoundError(`flow ${flowId} has no published version ${version}`);
  }
  const compiled = await ctx.flows.get(ctx.db, flowId, version);
  const events = triggerEventsOf(ctx, compiled);
  checkBackfillFilter(compiled, request.filter);
  const filter = request.filter && Object.keys(request.filter).length > 0 ? request.filter : null;
  const [counted] = await ctx.db
    .select({ n: count() })
    .from(E)
    .where(
      and(events.where, filterWhere(filter), gte(E.receivedAt, request.from), lt(E.receivedAt, request.to)),
    );
  const id = newId();
  await ctx.db.transaction(async (tx) => {
    await tx.insert(B).values({
      id,
      flowId,
      version,
      rangeFrom: request.from,
      rangeTo: request.to,
      filter,
      status: 'running',
      maxInFlight,
      total: counted?.n ?? 0,
      createdBy: actor,
    });
    await audit(tx, actor, 'backfill.start', 'flow', flowId, {
      backfillId: id,
      version,
      from: request.from.toISOString(),
      to: request.to.toISOString(),
      filter,
      total: counted?.n ?? 0,
    });
  });
  return getBackfill(ctx.db, id);
}

/** One backfill with its progress; NotFoundError when there is none. */
export async function getBackfill(db: Queryable, id: string): Promise<BackfillView> {
  const [row] = await db.select().from(B).where(eq(B.id, id));
  if (!row) throw new NotFoundError(`backfill ${id} does not exist`);
  return viewOf(db, row);
}

/** The backfills of a flow, newest first. */
export async function listBackfills(
  db: Queryable,
  flowId: string,
  query: PageQuery,
): Promise<Page<BackfillView>> {
  const page = await keysetPage(query, B.id, [eq(B.flowId, flowId)], (where, orderBy, limit) =>
    db.select().from(B).where(where).orderBy(orderBy).limit(limit),
  );
  const items: BackfillView[] = [];
  for (const row of page.items) items.push(await viewOf(db, row));
  return { items, nextCursor: page.nextCursor };
}

/**
 * Cancels a running backfill: it starts no more runs; runs it already started go on to their end (cancel those
 * one by one if need be). Cancelling a canceled backfill changes nothing; a finished one is a conflict.
 */
export async function cancelBackfill(ctx: EngineContext, id: string, actor: string): Promise<BackfillView> {
  const row = await ctx.db.transaction(async (tx) => {
    const [changed] = await tx
      .update(B)
      .set({ status: 'canceled', finishedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(B.id, id), eq(B.status, 'running')))
      .returning();
    if (changed) {
      await audit(tx, actor, 'backfill.cancel', 'flow', changed.flowId, { backfillId: id });
      return changed;
    }
    const [found] = await tx.select().from(B).where(eq(B.id, id));
    if (!found) throw new NotFoundError(`backfill ${id} does not exist`);
    if (found.status !== 'canceled') {
      throw new ConflictError(`backfill ${id} is ${found.status}; only a running backfill can be canceled`, {
        code: 'backfill_finished',
      });
    }
    return found;
  });
  return viewOf(ctx.db, row);
}

/** Its runs by status, for progress. */
async function runCounts(db: Queryable, id: string) {
  const rows = await db
    .select({ status: R.status, n: count() })
    .from(R)
    .where(eq(R.backfillId, id))
    .groupBy(R.status);
  const of = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
  return {
    succeeded: of('succeeded'),
    failed: of('failed'),
    canceled: of('canceled'),
    open: OPEN_RUN_STATUSES.reduce((n, status) => n + of(status), 0),
  };
}

async function viewOf(db: Queryable, row: BackfillRow): Promise<BackfillView> {
  return {
    id: row.id,
    flowId: row.flowId,
    version: row.version,
    from: row.rangeFrom.toISOString(),
    to: row.rangeTo.toISOString(),
    // written by startBackfill from a checked BackfillFilter
    filter: row.filter as BackfillFilter | null,
    status: row.status,
    maxInFlight: row.maxInFlight,
    total: row.total,
    scanned: row.scanned,
    started: row.started,
    skipped: row.skipped,
    filterErrors: row.filterErrors,
    ...(await runCounts(db, row.id)),
    error: row.error,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
