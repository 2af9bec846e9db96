// Where a flow may read `$vars`: in the expressions a step resolves. A trigger's config, a wait's correlation
// (also matched against incoming events, outside any step) and the flow's settings are evaluated where no
// variables are loaded, so `$vars` there is refused rather than read as nothing.
import type { FlowDefinition, Problem } from '@tributary/flow';
import { getNodeType } from '@tributary/nodes';

const MENTION = '$vars';

/** Problems with where the definition reads `$vars`; none when every read is inside a step's expressions. */
export function variablePlacementProblems(def: FlowDefinition): Problem[] {
  const problems: Problem[] = [];
  def.nodes.forEach((node, index) => {
    const type = getNodeType(node.type);
    if (!type) return;
    const at = `nodes[${index}].config`;
    if (type.category === 'trigger' && JSON.stringify(node.config).includes(MENTION)) {
      problems.push({
        path: at,
        nodeId: node.id,
        code: 'variable_not_readable',
        message: 'a trigger is evaluated before its run exists and cannot read $vars',
      });
    }
    if (type.traits.waitsForEvent?.correlation(node.config).includes(MENTION)) {
      problems.push({
        path: at,
        nodeId: node.id,
        code: 'variable_not_readable',
        message:
          'the correlation is also evaluated for incoming events, outside any run, and cannot read $vars',
      });
    }
  });
  if (JSON.stringify(def.settings ?? {}).includes(MENTION)) {
    problems.push({
      path: 'settings',
      code: 'variable_not_readable',
      message: 'flow settings are evaluated before a run exists and cannot read $vars',
    });
  }
  return problems;
}
