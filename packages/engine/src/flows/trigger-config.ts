// A broker trigger's config is read when its consumer starts, before any run exists: an expression in it
// could never be resolved, and flow validation lets expressions through to be checked at run time. So
// publishing refuses them here, instead of accepting a flow whose trigger would never consume.
import type { FlowDefinition, Problem } from '@tributary/flow';
import { findExpressions } from '@tributary/flow';
import { getNodeType } from '@tributary/nodes';

/** Expressions in the configs of nodes whose config is read before any run (broker triggers). */
export function staticConfigProblems(def: Pick<FlowDefinition, 'nodes'>): Problem[] {
  const problems: Problem[] = [];
  def.nodes.forEach((node, index) => {
    if (!getNodeType(node.type)?.traits.consumer) return;
    for (const [field, value] of Object.entries(node.config)) {
      // the credential field has its own check and message (credentials/references.ts)
      if (field === 'credential') continue;
      for (const { path } of findExpressions(value, ['nodes', index, 'config', field])) {
        problems.push({
          path,
          nodeId: node.id,
          code: 'invalid_config',
          message: `node "${node.name}": "${field}" cannot hold an expression; the trigger's consumer starts before any run, so write the value itself`,
        });
      }
    }
  });
  return problems;
}
