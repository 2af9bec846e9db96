// Flow settings the engine acts on, checked where a flow is saved and published beyond what the flow schema
// checks: key expressions that parse, an error flow that exists and is not the flow itself.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import type { FlowDefinition, Problem } from '@tributary/flow';
import { checkExpressionSyntax } from '@tributary/flow';
import { and, eq, isNull } from 'drizzle-orm';

/**
 * Problems with the flow's settings that need no database: a key expression that is not valid, an error flow
 * of itself. (The numbers' ranges are the flow schema's.)
 */
export function settingsProblems(def: Pick<FlowDefinition, 'settings' | 'slug'>): Problem[] {
  const problems: Problem[] = [];
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
