// Resolving a step's scope: load what its node's expressions read ($event, $steps, $profile, $vars) and resolve its
// config against it.
import { schema } from '@tributary/db';
import { type ExpressionOptions, FatalError, isExpression, resolveConfig } from '@tributary/flow';
import type { NodeOutput } from '@tributary/nodes';
import { and, eq } from 'drizzle-orm';
import { eventScope, resolvePayload } from '../core/index.js';
import { profileForUser } from '../profiles/index.js';
import { variableValues } from '../variables/index.js';
import type { StepAttempt, StepResult } from './attempt.js';

function stepView({ input, output }: StepResult) {
  const items = Object.values(output).find((list) => list.length > 0) ?? [];
  return { output: items[0] ?? null, items, ports: output, input };
}

/** The values a step's expressions see; what no expression of the node reads is left out. */
async function loadScope({ run, flow, step, source }: StepAttempt) {
  const { db } = source;
  const reads = flow.reads.get(step.nodeId) ?? { event: true, steps: true, profile: true, vars: true };
  const needEvent = reads.event || (reads.profile && flow.usesProfile);
  // what no expression reads is left out: the scope is copied for each node's expressions
  const loadEvent = async () =>
    source.event
      ? source.event
      : db
        ? (await db.select().from(schema.events).where(eq(schema.events.id, run.eventId)))[0]
        : undefined;
  // a fused step at ingest has no database to read: nothing to wait for (Promise.all over plain values
  // still costs its promises and turns of the microtask queue: 0.75 % of a webhook's CPU for three steps)
  const reading = db !== undefined && ((needEvent && !source.event) || reads.steps || reads.vars);
  const [loaded, done, vars] = await (reading
    ? Promise.all([
        needEvent ? loadEvent() : undefined,
        reads.steps && db
          ? db
              .select({
                name: schema.steps.name,
                input: schema.steps.input,
                inputRefs: schema.steps.inputRefs,
                output: schema.steps.output,
                outputRefs: schema.steps.outputRefs,
              })
              .from(schema.steps)
              .where(and(eq(schema.steps.runId, run.id), eq(schema.steps.status, 'succeeded')))
          : [],
        // read when the step runs, so a changed variable counts from the next step on (plan/inline.ts keeps such
        // steps out of the ingest transaction, where nothing is read)
        reads.vars && db ? variableValues(db) : {},
      ])
    : ([needEvent ? source.event : undefined, [], {}] as const));
  // the steps' values hold parts of the event's payload by reference (core/payload-refs.ts)
  const event = loaded ?? (done.some((s) => s.inputRefs || s.outputRefs) ? await loadEvent() : undefined);
  const steps: Record<string, unknown> = {};
  for (const s of done) {
    // outputs are only ever written as NodeOutput (items per port)
    const output = (resolvePayload(s.output, s.outputRefs, event?.payload) ?? {}) as NodeOutput;
    steps[s.name] = stepView({ input: resolvePayload(s.input, s.inputRefs, event?.payload), output });
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
    event: needEvent && event ? eventScope(event) : null,
    steps,
    vars,
    run: { id: run.id, flowId: run.flowId, version: run.version, eventId: run.eventId },
  };
}

/**
 * The node's config for this attempt, its expressions resolved against the step's scope and then parsed;
 * `onEmpty` hears of each expression that gave nothing. (A config without expressions is parsed once per
 * flow version: `CompiledFlow.constantConfigs`.)
 */
export async function resolveConfigFor(
  attempt: StepAttempt,
  onEmpty?: ExpressionOptions['onEmpty'],
): Promise<unknown> {
  const { ctx, node, type, flow } = attempt;
  const scope = await loadScope(attempt);
  // the flow's time zone is the one $now() and $fromMillis() write times in
  const options = {
    timeoutMs: ctx.settings.expressionTimeoutMs,
    timezone: flow.definition.settings.timezone,
    onEmpty,
  };
  let resolved: unknown;
  try {
    resolved = await resolveConfig(node.config, scope, options);
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
  await resolveDefaultExpressions(resolved, parsed.data, scope, options);
  return parsed.data;
}

/**
 * A schema default may itself be an expression (wait-for-event's correlation defaults to the run's userId).
 * Such defaults land after expressions were resolved, so they are resolved here — only at top-level keys the
 * node's own config did not set, so values that came from data are never evaluated as expressions.
 */
async function resolveDefaultExpressions(
  fromConfig: unknown,
  data: unknown,
  scope: Record<string, unknown>,
  options: ExpressionOptions,
): Promise<void> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
  const set = typeof fromConfig === 'object' && fromConfig !== null ? fromConfig : {};
  // data is the schema's parse result, a plain object: its keys are safe to write
  const target = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(target)) {
    if (key in set || !isExpression(value)) continue;
    target[key] = await resolveConfig(value, scope, options);
  }
}
