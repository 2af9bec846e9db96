// Flow settings the engine acts on, checked where a flow is saved and published beyond what the flow schema
// checks: key expressions that parse, an error flow that exists and is not the flow itself, a re-entry rule
// only on flows whose runs have a person.
import type { Queryable } from '@tributary/db';
import { schema } from '@tributary/db';
import type { FlowDefinition, Problem } from '@tributary/flow';
import { checkExpressionSyntax } from '@tributary/flow';
import { getNodeType } from '@tributary/nodes';
import { and, eq, isNull } from 'drizzle-orm';

/**
 * Problems with the flow's settings that need no database: a key expression that is not valid, an error flow
 * of itself. (The numbers' ranges are the flow schema's.)
 */
export function settingsProblems(def: Pick<FlowDefinition, 'settings' | 'slug' | 'nodes'>): Problem[] {
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
  const reentry = def.settings.reentry;
  if (reentry !== undefined && reentry !== 'always' && !hasPersonTrigger(def)) {
    problems.push({
      path: 'settings.reentry',
      code: 'reentry_without_person',
      message:
        'a re-entry rule counts entries per person, and only a tracking event trigger gives a run a person ' +
        '(its userId or anonymousId): use a tracking event trigger, or set re-entry to "always"',
    });
  }
  return problems;
}

/** Whether the flow's trigger is a tracking event trigger: the only kind whose runs have a person. */
function hasPersonTrigger(def: Pick<FlowDefinition, 'nodes'>): boolean {
  return def.nodes.some((node) => getNodeType(node.type)?.traits.trigger === 'tracking');
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
