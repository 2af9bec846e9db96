// Flow settings the engine acts on, checked where a flow is saved and published: a setting validation lets
// through must work, so the ones the engine does not act on yet are refused with what to do instead.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import type { FlowDefinition, Problem } from '@tributary/flow';
import { checkExpressionSyntax } from '@tributary/flow';
import { and, eq, isNull } from 'drizzle-orm';

/** Settings the schema knows but the engine does not act on yet, with what to do meanwhile. */
const NOT_YET: Record<string, string> = {
  timezone:
    'is not supported yet; remove it and set the time zone on the schedule trigger (its own `timezone`)',
};

/**
 * Problems with the flow's settings that need no database: settings not acted on, a partition key that is not
 * a valid expression, an error flow of itself. (The numbers' ranges are the flow schema's.)
 */
export function settingsProblems(def: Pick<FlowDefinition, 'settings' | 'slug'>): Problem[] {
  const problems: Problem[] = [];
  const settings = def.settings as Record<string, unknown>;
  for (const [key, why] of Object.entries(NOT_YET)) {
    if (settings[key] !== undefined) {
      problems.push({ path: `settings.${key}`, code: 'unsupported_setting', message: `${key} ${why}` });
    }
  }
  const keys: Array<[path: string, expression: string | undefined]> = [
    ['settings.partitionKey', def.settings.partitionKey],
    ['settings.throttle.key', def.settings.throttle?.key],
    ['settings.debounce.key', def.settings.debounce?.key],
  ];
  for (const [path, expression] of keys) {
    if (expression === undefined) continue;
    const syntax = checkExpressionSyntax(expression);
    if (syntax !== undefined) {
      problems.push({ path, code: 'invalid_expression', message: syntax });
    } else if (expression.trim() === '') {
      problems.push({
        path,
        code: 'empty_key',
        message: 'the key is empty: give an expression such as {{ $json.body.customerId }}, or remove it',
      });
    }
  }
  if (def.settings.errorFlow !== undefined && def.settings.errorFlow === def.slug) {
    problems.push({
      path: 'settings.errorFlow',
      code: 'error_flow_is_itself',
      message: 'a flow cannot be its own error flow: name another flow (one that alerts someone)',
    });
  }
  return problems;
}

/** The error flow must be a flow of this instance (it may be published later; a failure meanwhile is logged). */
export async function errorFlowProblems(
  db: Queryable,
  def: Pick<FlowDefinition, 'settings'>,
): Promise<Problem[]> {
  const slug = def.settings.errorFlow;
  if (slug === undefined) return [];
  const F = schema.flows;
  const [found] = await db
    .select({ id: F.id })
    .from(F)
    .where(and(eq(F.slug, slug), isNull(F.deletedAt)));
  if (found) return [];
  return [
    {
      path: 'settings.errorFlow',
      code: 'error_flow_not_found',
      message: `no flow has the slug "${slug}": create the error flow first, or fix the slug`,
    },
  ];
}
