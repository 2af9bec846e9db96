// Sub-flows: a logic.sub-flow step calls another flow's published version (one that starts with
// trigger.sub-flow) with an item. The child run starts once per step — its event's idempotency key is the
// step's id and runs.parent_step_id is unique — so a redelivered step finds its child instead of starting a
// second. A waiting step parks (steps/park.ts) until the child ends: the statement that ends the child makes
// the parent due (runs/parent-step.ts), and the parent's next delivery reads the child's outcome here.
import { FINAL_RUN_STATUSES, isIn, schema } from '@tributary/db';
import { FatalError } from '@tributary/flow';
import type { CallFlowOutcome, CallFlowRequest } from '@tributary/nodes';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { EngineContext } from '../core/index.js';
import { enqueueSafely, resolvePayload } from '../core/index.js';
import { SubFlowWaitSignal } from '../waits/index.js';
import { startKeyedRun } from './keyed-run.js';

/** The source of the events that start child runs; their idempotency key is the calling step's id. */
export const SUB_FLOW_SOURCE = 'sub-flow';

const R = schema.runs;

interface Caller {
  runId: string;
  stepId: string;
}

interface ChildRun {
  id: string;
  flowId: string;
  status: string;
  error: unknown;
  createdAt: Date;
  eventId: string;
}

async function childOf(ctx: EngineContext, stepId: string): Promise<ChildRun | undefined> {
  const [child] = await ctx.db
    .select({
      id: R.id,
      flowId: R.flowId,
      status: R.status,
      error: R.error,
      createdAt: R.createdAt,
      eventId: R.eventId,
    })
    .from(R)
    .where(eq(R.parentStepId, stepId));
  return child;
}

/** The published, callable version of the flow `slug`; a fatal step error saying why when there is none. */
async function calledFlow(ctx: EngineContext, slug: string) {
  const F = schema.flows;
  const [target] = await ctx.db
    .select({ id: F.id, activeVersion: F.activeVersion })
    .from(F)
    .where(and(eq(F.slug, slug), isNull(F.deletedAt)));
  if (!target) throw new FatalError(`no flow has the slug "${slug}"`, { code: 'sub_flow_not_found' });
  if (target.activeVersion === null) {
    throw new FatalError(`flow "${slug}" is not published`, { code: 'sub_flow_not_published' });
  }
  const flow = await ctx.flows.get(ctx.db, target.id, target.activeVersion);
  if (flow.triggerKind !== 'sub-flow') {
    throw new FatalError(`flow "${slug}" does not start with “Called by a flow”, so it cannot be called`, {
      code: 'not_a_sub_flow',
    });
  }
  return flow;
}

/** Starts the step's child run (or finds the one a concurrent delivery started) and enqueues its steps. */
async function startChild(ctx: EngineContext, caller: Caller, request: CallFlowRequest): Promise<ChildRun> {
  const [parent] = await ctx.db.select({ depth: R.depth }).from(R).where(eq(R.id, caller.runId));
  const depth = (parent?.depth ?? 0) + 1;
  if (depth > ctx.settings.subFlowMaxDepth) {
    throw new FatalError(
      `calling "${request.flow}" would nest sub-flows ${depth} deep; the limit is ${ctx.settings.subFlowMaxDepth} (is there a cycle of calls?)`,
      { code: 'sub_flow_depth' },
    );
  }
  const flow = await calledFlow(ctx, request.flow);
  // a second delivery of the step that gets here finds the event in: its child is the first one's
  const toEnqueue = await ctx.db.transaction((tx) =>
    startKeyedRun(
      tx,
      ctx,
      flow,
      {
        source: SUB_FLOW_SOURCE,
        type: 'sub-flow.call',
        idempotencyKey: caller.stepId,
        payload: request.input ?? null,
      },
      { parent: { runId: caller.runId, stepId: caller.stepId, depth } },
    ),
  );
  await enqueueSafely(ctx, toEnqueue);
  const child = await childOf(ctx, caller.stepId);
  if (!child)
    throw new FatalError(`the run of "${request.flow}" could not be started`, { code: 'sub_flow_lost' });
  return child;
}

/** How many of the child's last steps are looked through for one that gave items. */
const LAST_STEPS = 20;

/** The items of the child run's last step that gave any (the trigger's item when no other did). */
async function lastItems(ctx: EngineContext, child: ChildRun): Promise<unknown[]> {
  const S = schema.steps;
  const rows = await ctx.db
    .select({ output: S.output, outputRefs: S.outputRefs })
    .from(S)
    .where(and(eq(S.runId, child.id), eq(S.status, 'succeeded')))
    .orderBy(desc(S.id))
    .limit(LAST_STEPS);
  // outputs may hold parts of the child's event payload by reference (core/payload-refs.ts)
  const payload = rows.some((r) => r.outputRefs)
    ? (
        await ctx.db
          .select({ payload: schema.events.payload })
          .from(schema.events)
          .where(eq(schema.events.id, child.eventId))
      )[0]?.payload
    : undefined;
  for (const row of rows) {
    // outputs are only ever written as items per port
    const ports = (resolvePayload(row.output, row.outputRefs, payload) ?? {}) as Record<string, unknown[]>;
    const items = Object.values(ports).find((list) => Array.isArray(list) && list.length > 0);
    if (items) return items;
  }
  return [];
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : 'no reason given';
}

/** ctx.callFlow() of a step: see the file's head. */
export async function callSubFlow(
  ctx: EngineContext,
  caller: Caller,
  request: CallFlowRequest,
): Promise<CallFlowOutcome> {
  const child = (await childOf(ctx, caller.stepId)) ?? (await startChild(ctx, caller, request));
  const called = { runId: child.id, flowId: child.flowId };
  if (!request.wait) return { ...called, status: 'running', items: [] };
  if (isIn(FINAL_RUN_STATUSES, child.status)) {
    if (child.status === 'succeeded')
      return { ...called, status: 'succeeded', items: await lastItems(ctx, child) };
    throw new FatalError(
      `the run ${child.id} of "${request.flow}" ${child.status}: ${messageOf(child.error)}`,
      {
        code: 'sub_flow_failed',
      },
    );
  }
  const deadline = child.createdAt.getTime() + request.timeoutMs;
  if (Date.now() >= deadline - 50) {
    throw new FatalError(
      `the run ${child.id} of "${request.flow}" did not end within ${request.timeoutMs} ms; it goes on, this step stops waiting`,
      { code: 'sub_flow_timeout' },
    );
  }
  throw new SubFlowWaitSignal(deadline, child.id);
}
