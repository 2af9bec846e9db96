// A webhook trigger that waits for a respond node, and respond nodes, only make sense together: a trigger in
// respondNode mode with nothing to answer would time every caller out, and an answer nobody waits for would be
// accepted and ignored. Publishing and test runs refuse both, on the node and field.
import type { FlowDefinition, Problem } from '@tributary/flow';
import type { WebhookTriggerConfig } from '@tributary/nodes';
import { getNodeType } from '@tributary/nodes';

/** Problems with respond-to-webhook nodes and the webhook trigger's respondNode mode. */
export function respondProblems(def: Pick<FlowDefinition, 'nodes'>): Problem[] {
  const live = def.nodes.map((node, index) => ({ node, index })).filter(({ node }) => !node.disabled);
  const trigger = live.find(({ node }) => getNodeType(node.type)?.traits.trigger === 'webhook');
  // a published trigger's config passed its schema; a draft's may not yet, so the mode is read defensively
  const mode = (trigger?.node.config as Partial<WebhookTriggerConfig> | undefined)?.responseMode;
  const waits = mode === 'respondNode';
  const responders = live.filter(({ node }) => getNodeType(node.type)?.traits.respondsToWebhook);
  const problems: Problem[] = [];
  if (trigger && waits && responders.length === 0) {
    problems.push({
      path: `nodes[${trigger.index}].config.responseMode`,
      nodeId: trigger.node.id,
      code: 'respond_node_missing',
      message: `node "${trigger.node.name}": responseMode respondNode waits for a Respond to webhook node, and the flow has none; add one, or choose async or lastNode`,
    });
  }
  if (!waits) {
    for (const { node, index } of responders) {
      problems.push({
        path: `nodes[${index}].type`,
        nodeId: node.id,
        code: 'respond_without_webhook',
        message: trigger
          ? `node "${node.name}": nobody waits for its answer; set the webhook trigger "${trigger.node.name}" to responseMode respondNode, or remove this node`
          : `node "${node.name}": only a run started by a webhook trigger in responseMode respondNode has a caller to answer; remove this node`,
      });
    }
  }
  return problems;
}
