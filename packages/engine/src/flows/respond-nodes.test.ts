import type { FlowNode } from '@tributary/flow';
import { describe, expect, test } from 'vitest';
import { respondProblems } from './respond-nodes.js';

function node(id: string, type: string, config: Record<string, unknown> = {}, disabled = false): FlowNode {
  return {
    id,
    type,
    name: id,
    config,
    position: { x: 0, y: 0 },
    ...(disabled ? { disabled } : {}),
  } as FlowNode;
}

const hook = (responseMode?: string) =>
  node('hook', 'trigger.webhook', { path: 'p', ...(responseMode ? { responseMode } : {}) });
const answer = (disabled = false) => node('answer', 'logic.respond-to-webhook', {}, disabled);

describe('respond nodes and the webhook trigger that waits for them', () => {
  test('a respondNode trigger with a respond node, and a flow with neither, are fine', () => {
    expect(respondProblems({ nodes: [hook('respondNode'), answer()] })).toEqual([]);
    expect(respondProblems({ nodes: [hook(), node('set', 'logic.set', { fields: {} })] })).toEqual([]);
  });

  test('a respondNode trigger without a respond node (or with only a disabled one) is a problem on its mode', () => {
    for (const nodes of [[hook('respondNode')], [hook('respondNode'), answer(true)]]) {
      expect(respondProblems({ nodes })).toEqual([
        expect.objectContaining({
          path: 'nodes[0].config.responseMode',
          nodeId: 'hook',
          code: 'respond_node_missing',
        }),
      ]);
    }
  });

  test('a respond node nobody waits for is a problem on the node, whatever the trigger', () => {
    for (const trigger of [hook(), hook('async'), hook('lastNode'), node('start', 'trigger.manual')]) {
      expect(respondProblems({ nodes: [trigger, answer()] })).toEqual([
        expect.objectContaining({ path: 'nodes[1].type', nodeId: 'answer', code: 'respond_without_webhook' }),
      ]);
    }
    // a disabled trigger routes no requests, so nobody waits
    const off = node('hook', 'trigger.webhook', { path: 'p', responseMode: 'respondNode' }, true);
    expect(respondProblems({ nodes: [off, answer()] }).map((p) => p.code)).toEqual([
      'respond_without_webhook',
    ]);
    // a disabled respond node answers nothing: not a problem
    expect(respondProblems({ nodes: [hook(), answer(true)] })).toEqual([]);
  });
});
