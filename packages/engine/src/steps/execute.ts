// Running one node for a step: load what its expressions read, resolve its config, run it under a time
// limit and check its output. Used for claimed steps and for pure steps run inline (step-fusion.ts).
import type { AttemptRecord, Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import type { FlowNode } from '@tributary/flow';
import { FatalError, isExpression, RetryableError, resolveConfig } from '@tributary/flow';
import type { NodeContext, NodeOutput, NodeType } from '@tributary/nodes';
import { and, eq } from 'drizzle-orm';
import type { CompiledFlow } from '../core/compiled-flow.js';
import type { EngineContext } from '../core/context.js';
import { eventLogReader } from '../history/event-log.js';
import { profileForUser } from '../profiles/profiles.js';
import type { RunRow } from '../runs/run-state.js';
import { SleepSignal, waitForEventIn } from '../waits/wait-for-event.js';
import { eventScope } from '../waits/waits.js';

/** What running a node needs of its step. */
export interface ExecutableStep {
  id: string;
  runId: string;
  nodeId: string;
  input: unknown;
  state: Record<string, unknown> | null;
  attempts: readonly AttemptRecord[];
}

/** A finished step as `$steps` shows it. */
export interface StepResult {
  input: unknown;
  output: NodeOutput;
}

/** Where `$event`, `$steps` and `$profile` come from. */
export interface ScopeSource {
  /** Absent while the run is being accepted (nothing of it is stored yet): then nothing is read. */
  db?: Queryable | undefined;
  /** The run's event, when it is at hand (at ingest). */
  event?: EventView | undefined;
  /** Steps run inline whose rows are not written yet, by node name: they count as finished. */
  unsaved?: ReadonlyMap<string, StepResult>;
}

type EventView = Parameters<typeof eventScope>[0] & { userId?: string | null };

/** What a step sees of its run. */
export type RunView = Pick<RunRow, 'id' | 'flowId' | 'version' | 'eventId'>;

function stepView({ input, output }: StepResult) {
  const items = Object.values(output).find((list) => list.length > 0) ?? [];
  return { output: items[0] ?? null, items, ports: output, input };
}

async function loadScope(run: RunView, flow: CompiledFlow, step: ExecutableStep, source: ScopeSource) {
  const { db } = source;
  const reads = flow.reads.get(step.nodeId) ?? { event: true, steps: true, profile: true };
  const needEvent = reads.event || (reads.profile && flow.usesProfile);
  // what no expression reads is left out: the scope is copied for each node's expressions
  const [[event], done] = await Promise.all([
    !needEvent
      ? []
      : source.event
        ? [source.event]
        : db
          ? db.select().from(schema.events).where(eq(schema.events.id, run.eventId))
          : [],
    reads.steps && db
      ? db
          .select({ name: schema.steps.name, input: schema.steps.input, output: schema.steps.output })
          .from(schema.steps)
          .where(and(eq(schema.steps.runId, run.id), eq(schema.steps.status, 'succeeded')))
      : [],
  ]);
  const steps: Record<string, unknown> = {};
  for (const s of done) {
    // outputs are only ever written as NodeOutput (items per port)
    steps[s.name] = stepView({ input: s.input, output: (s.output ?? {}) as NodeOutput });
  }
  if (reads.steps) for (const [name, result] of source.unsaved ?? []) steps[name] = stepView(result);
  const userId = (event?.payload as { userId?: unknown } | undefined)?.userId ?? event?.userId;
  const profile =
    reads.profile && flow.usesProfile && db && typeof userId === 'string'
      ? ((await profileForUser(db, userId)) ?? null)
      : null;
  return {
    json: step.input,
    profile: profile ? { id: profile.id, traits: profile.traits, identities: profile.identities } : null,
    event: event ? eventScope(event) : null,
    steps,
    run: { id: run.id, flowId: run.flowId, version: run.version, eventId: run.eventId },
  };
}

/** Runs the node of a step once and returns its items per port; throws what the node threw. */
export async function executeNode(
  ctx: EngineContext,
  run: RunView,
  flow: CompiledFlow,
  node: FlowNode,
  type: NodeType,
  step: ExecutableStep,
  timeoutMs: number,
  source: ScopeSource,
): Promise<NodeOutput> {
  if (!type.run)
    throw new FatalError(`node "${node.name}" (${type.type}) cannot run as a step`, { code: 'not_runnable' });
  const config = flow.constantConfigs.has(node.id)
    ? flow.constantConfigs.get(node.id)
    : await resolvedConfig(ctx, run, flow, node, type, step, source);
  // made on first use of `signal`: most nodes never look at it
  let controller: AbortController | undefined;
  let timeoutError: RetryableError | undefined;
  const wakeAt = typeof step.state?.wakeAt === 'string' ? Date.parse(step.state.wakeAt) : undefined;
  let logger: NodeContext<unknown>['logger'] | undefined;
  const nodeCtx: NodeContext<unknown> = {
    config,
    get signal() {
      controller ??= new AbortController();
      if (timeoutError && !controller.signal.aborted) controller.abort(timeoutError);
      return controller.signal;
    },
    // most nodes never log: the child logger is made on first use
    get logger() {
      logger ??= ctx.logger.child({ runId: run.id, stepId: step.id, nodeId: node.id, eventId: run.eventId });
      return logger;
    },
    runId: run.id,
    stepId: step.id,
    nodeId: node.id,
    attempt: step.attempts.length,
    correlationId: run.eventId,
    idempotencyKey: step.id,
    http: ctx.http,
    waitForEvent: (request) => waitForEventIn(ctx, step, node, type, request),
    eventLog: eventLogReader(source.db ?? ctx.db),
    sleep(ms: number) {
      if (wakeAt !== undefined) {
        if (Date.now() >= wakeAt - 50) return;
        throw new SleepSignal(wakeAt);
      }
      throw new SleepSignal(Date.now() + ms);
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timeoutError = new RetryableError(`node "${node.name}" did not finish within ${timeoutMs} ms`, {
        code: 'timeout',
      });
      controller?.abort(timeoutError);
      reject(timeoutError);
    }, timeoutMs);
  });
  try {
    const runNode = type.run;
    const output = await Promise.race([Promise.resolve().then(() => runNode(nodeCtx, step.input)), timedOut]);
    return checkOutput(node, output);
  } finally {
    clearTimeout(timer);
  }
}

/** The node's config for this step: its expressions resolved against the step's scope, then parsed. */
async function resolvedConfig(
  ctx: EngineContext,
  run: RunView,
  flow: CompiledFlow,
  node: FlowNode,
  type: NodeType,
  step: ExecutableStep,
  source: ScopeSource,
): Promise<unknown> {
  const scope = await loadScope(run, flow, step, source);
  let resolved: unknown;
  try {
    resolved = await resolveConfig(node.config, scope, { timeoutMs: ctx.settings.expressionTimeoutMs });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new FatalError(`node "${node.name}": ${message}`, { code: 'expression_failed', cause: err });
  }
  const parsed = type.config.safeParse(resolved);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${['config', ...i.path].join('.')}: ${i.message}`)
      .join('; ');
    throw new FatalError(`node "${node.name}" has an invalid config after resolving expressions: ${issues}`, {
      code: 'invalid_config',
    });
  }
  await resolveDefaultExpressions(ctx, resolved, parsed.data, scope);
  return parsed.data;
}

/**
 * A schema default may itself be an expression (wait-for-event's correlation defaults to the run's userId).
 * Such defaults land after expressions were resolved, so they are resolved here — only at top-level keys the
 * node's own config did not set, so values that came from data are never evaluated as expressions.
 */
async function resolveDefaultExpressions(
  ctx: EngineContext,
  fromConfig: unknown,
  data: unknown,
  scope: Record<string, unknown>,
): Promise<void> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
  const set = typeof fromConfig === 'object' && fromConfig !== null ? fromConfig : {};
  // data is the schema's parse result, a plain object: its keys are safe to write
  const target = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(target)) {
    if (key in set || !isExpression(value)) continue;
    target[key] = await resolveConfig(value, scope, { timeoutMs: ctx.settings.expressionTimeoutMs });
  }
}

function checkOutput(node: FlowNode, output: unknown): NodeOutput {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) {
    throw new FatalError(`node "${node.name}" returned no items per port`, { code: 'invalid_output' });
  }
  for (const [port, items] of Object.entries(output)) {
    if (!Array.isArray(items)) {
      throw new FatalError(`node "${node.name}" returned a non-list for port ${port}`, {
        code: 'invalid_output',
      });
    }
  }
  // checked just above: an object whose values are all arrays
  return output as NodeOutput;
}
