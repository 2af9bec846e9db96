// Checks tracking calls against their source's tracking plan at ingest. A source whose plan mode is `off`
// costs nothing here (the caller does not even call in). Otherwise each process keeps the source's plan
// compiled, keyed by the plan revision the write-key lookup brought along (sources.ts keeps that lookup for
// WRITE_KEY_CACHE_MS): a schema change raises the revision, so this process recompiles at once and other
// processes within that time. Compiled validators are kept by schema version id — a version never changes —
// so a change recompiles only the schema that changed.
import type { PlanMode, PlanViolation, Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import { desc, eq } from 'drizzle-orm';
import type { EngineContext } from '../core/index.js';
import { withDatabase } from '../ingest/index.js';
import type { TrackingMessage } from './ingest-tracking.js';
import { compileEventSchema, type EventSchemaChecker } from './schema-compiler.js';
import type { SourceView } from './sources.js';

/** The newest version of each event name of a source (removed ones included). */
export async function newestSchemaRows(
  db: Queryable,
  sourceId: string,
): Promise<Array<typeof schema.eventSchemas.$inferSelect>> {
  const S = schema.eventSchemas;
  return db
    .selectDistinctOn([S.event])
    .from(S)
    .where(eq(S.sourceId, sourceId))
    .orderBy(S.event, desc(S.version));
}

/** One event's schema in force, compiled. */
interface PlannedEvent {
  version: number;
  checker: EventSchemaChecker;
}

interface CompiledPlan {
  revision: number;
  events: Map<string, PlannedEvent>;
}

/** Compiled plans by source id; a promise while one is being read. */
const plans = new Map<string, { revision: number; plan: Promise<CompiledPlan> }>();
/** Prepared validators by event schema version id (a version never changes). */
const validators = new Map<string, EventSchemaChecker>();
const MAX_VALIDATORS = 5_000;

/** Forgets a source's compiled plan in this process (after a change to it here). */
export function forgetCompiledPlan(sourceId: string): void {
  plans.delete(sourceId);
}

async function loadPlan(db: Queryable, sourceId: string, revision: number): Promise<CompiledPlan> {
  const rows = await newestSchemaRows(db, sourceId);
  const events = new Map<string, PlannedEvent>();
  for (const row of rows) {
    if (row.schema === null) continue;
    let checker = validators.get(row.id);
    if (!checker) {
      const compiled = compileEventSchema(row.schema);
      // every stored schema passed when it was put; one that no longer does (a validator upgrade) checks nothing
      if (!compiled.ok) continue;
      checker = compiled.checker;
      if (validators.size >= MAX_VALIDATORS) {
        const oldest = validators.keys().next();
        if (!oldest.done) validators.delete(oldest.value);
      }
      validators.set(row.id, checker);
    }
    events.set(row.event, { version: row.version, checker });
  }
  return { revision, events };
}

function planOf(ctx: EngineContext, source: SourceView): Promise<CompiledPlan> {
  const cached = plans.get(source.id);
  if (cached && cached.revision === source.planRevision) return cached.plan;
  const plan = withDatabase(
    ctx,
    () => loadPlan(ctx.db, source.id, source.planRevision),
    'reading the tracking plan',
  );
  plans.set(source.id, { revision: source.planRevision, plan });
  // a failed read is not kept: the next call tries again
  plan.catch(() => {
    if (plans.get(source.id)?.plan === plan) plans.delete(source.id);
  });
  return plan;
}

/** A call of a request that breaks the plan: its place in the request and how. */
export interface PlanBreach {
  index: number;
  messageId: string;
  event: string;
  violations: PlanViolation[];
}

/** How the calls of one request break their source's plan (empty when they keep to it), and the mode. */
export interface PlanCheck {
  mode: PlanMode;
  breaches: PlanBreach[];
}

/**
 * Checks a request's track calls against the source's plan: each event's properties against the schema in
 * force for its name; a name without a schema breaks the plan only when the source says unplanned events
 * are a violation. Other call types are not checked. Counts the breaching calls in
 * tributary_tracking_plan_violations_total.
 */
export async function checkTrackingPlan(
  ctx: EngineContext,
  source: SourceView,
  messages: readonly TrackingMessage[],
): Promise<PlanCheck> {
  const mode = source.planMode;
  if (mode === 'off') return { mode, breaches: [] };
  const plan = await planOf(ctx, source);
  const breaches: PlanBreach[] = [];
  messages.forEach((message, index) => {
    if (message.type !== 'track' || message.event === undefined) return;
    const planned = plan.events.get(message.event);
    let violations: PlanViolation[] = [];
    if (planned) {
      const properties = message.payload.properties ?? {};
      violations = planned.checker.check(properties, planned.version);
    } else if (source.unplannedEvents === 'violation') {
      violations = [
        {
          path: '',
          message: `"${message.event}" is not an event of the tracking plan`,
          schemaVersion: null,
        },
      ];
    }
    if (violations.length > 0) {
      breaches.push({ index, messageId: message.messageId, event: message.event, violations });
    }
  });
  if (breaches.length > 0) ctx.metrics.planViolations.inc({ source: source.id, mode }, breaches.length);
  return { mode, breaches };
}
