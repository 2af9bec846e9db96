// A backfill's filter: which of the events its flow's trigger takes are replayed — by tracking event name, and by
// a condition evaluated like every other expression (JSONata in `{{ }}`, with its time and depth limits).

import { schema } from '@tributary/db';
import type { Problem } from '@tributary/flow';
import { checkExpressionSyntax, isExpression, resolveConfig, ValidationError } from '@tributary/flow';
import { isTruthy } from '@tributary/nodes';
import type { SQL } from 'drizzle-orm';
import { inArray } from 'drizzle-orm';
import type { CompiledFlow, EngineContext, EventRow } from '../core/index.js';
import { eventScope } from '../core/index.js';

/** What a backfill replays of the events its trigger takes. */
export interface BackfillFilter {
  /** Tracking triggers only: just events of these names (a track's event, a page's or screen's name). */
  names?: string[] | undefined;
  /**
   * An expression, e.g. `{{ $json.properties.total > 100 }}`: an event is replayed when it is truthy. `$json` is
   * the trigger item the run would get, `$event` the stored event.
   */
  condition?: string | undefined;
}

/** Throws ValidationError (422) naming every problem of `filter` for `flow`; nothing is accepted and ignored. */
export function checkBackfillFilter(flow: CompiledFlow, filter: BackfillFilter | undefined): void {
  if (!filter) return;
  const problems: Problem[] = [];
  if (filter.names !== undefined && flow.triggerKind !== 'tracking') {
    problems.push({
      path: 'filter.names',
      message: `event names filter tracking events; this flow's trigger is ${flow.triggerKind ?? 'unknown'}`,
    });
  }
  if (filter.condition !== undefined) {
    if (!isExpression(filter.condition)) {
      problems.push({
        path: 'filter.condition',
        message: 'the condition must be an expression in {{ }}, e.g. {{ $json.total > 100 }}',
      });
    } else {
      const error = checkExpressionSyntax(filter.condition);
      if (error) problems.push({ path: 'filter.condition', message: error });
    }
  }
  if (problems.length > 0) throw new ValidationError('the backfill filter is not valid', problems);
}

/** The part of the filter the database applies (event names). */
export function filterWhere(filter: BackfillFilter | null | undefined): SQL | undefined {
  return filter?.names?.length ? inArray(schema.events.name, filter.names) : undefined;
}

/**
 * Whether the filter's condition lets the event through with `item`: true, false, or `error` when it failed to
 * evaluate (an error, a time or depth limit) — such an event is not replayed, and counted.
 */
export async function conditionPasses(
  ctx: EngineContext,
  flow: CompiledFlow,
  filter: BackfillFilter | null | undefined,
  event: EventRow,
  item: unknown,
): Promise<boolean | 'error'> {
  if (filter?.condition === undefined) return true;
  try {
    const value = await resolveConfig(
      filter.condition,
      { event: eventScope(event), json: item },
      { timeoutMs: ctx.settings.expressionTimeoutMs, timezone: flow.definition.settings.timezone },
    );
    return isTruthy(value);
  } catch (err) {
    ctx.logger.warn(
      { err: String(err), flowId: flow.flowId, eventId: event.id },
      'backfill filter condition failed; event not replayed',
    );
    return 'error';
  }
}
