import { describe, expect, test } from 'vitest';
import { canonicalFlow, flowFileText } from './canonical.js';
import { diffFlows, isUnchanged } from './flow-diff.js';

const noSecrets = () => [];
const slackSecrets = (type: string) => (type === 'action.slack' ? ['webhookUrl'] : []);

function flow(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Flow',
    slug: 'flow',
    description: '',
    settings: {},
    nodes: [
      { id: 'a', type: 'trigger.manual', name: 'A', config: {}, position: { x: 0, y: 0 } },
      {
        id: 'b',
        type: 'logic.set',
        name: 'B',
        config: { fields: { x: 1, y: [1, 2] } },
        position: { x: 1, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'a', target: 'b' }],
    ...overrides,
  };
}

describe('diffFlows', () => {
  test('the same definition in another key, node and edge order is unchanged', () => {
    const a = flow();
    const b = { ...flow(), nodes: [...flow().nodes].reverse() };
    expect(isUnchanged(diffFlows(canonicalFlow(a), canonicalFlow(b), noSecrets))).toBe(true);
  });

  test('reports nodes, edges and config fields added, removed and changed', () => {
    const after = flow({
      name: 'Renamed',
      nodes: [
        { id: 'a', type: 'trigger.manual', name: 'A', config: {}, position: { x: 0, y: 0 } },
        {
          id: 'b',
          type: 'logic.set',
          name: 'B',
          config: { fields: { x: 2, y: [1], z: true } },
          position: { x: 1, y: 0 },
        },
        { id: 'c', type: 'logic.set', name: 'C', config: {}, position: { x: 0, y: 0 } },
      ],
      edges: [
        { id: 'e1', source: 'a', target: 'c' },
        { id: 'e2', source: 'c', target: 'b', sourceHandle: 'main' },
      ],
    });
    const changes = diffFlows(flow(), after, noSecrets);
    expect(changes.fields).toEqual([{ path: 'name', kind: 'changed', before: 'Flow', after: 'Renamed' }]);
    expect(changes.nodesAdded).toEqual([{ id: 'c', name: 'C', type: 'logic.set' }]);
    expect(changes.nodesRemoved).toEqual([]);
    expect(changes.nodesChanged).toEqual([
      {
        id: 'b',
        name: 'B',
        type: 'logic.set',
        fields: [
          { path: 'config.fields.x', kind: 'changed', before: 1, after: 2 },
          { path: 'config.fields.y[1]', kind: 'removed', before: 2 },
          { path: 'config.fields.z', kind: 'added', after: true },
        ],
      },
    ]);
    expect(changes.edgesAdded).toEqual([{ id: 'e2', from: 'c.main', to: 'b.main' }]);
    expect(changes.edgesChanged).toEqual([
      {
        id: 'e1',
        before: { id: 'e1', from: 'a.main', to: 'b.main' },
        after: { id: 'e1', from: 'a.main', to: 'c.main' },
      },
    ]);
  });

  test('a new flow is every node and edge added', () => {
    const changes = diffFlows(undefined, flow(), noSecrets);
    expect(changes.nodesAdded.map((n) => n.id)).toEqual(['a', 'b']);
    expect(changes.edgesAdded.map((e) => e.id)).toEqual(['e1']);
    expect(changes.fields).toEqual([]);
  });

  test('secret values are never carried; a masked stored secret is not compared', () => {
    const slack = (webhookUrl: string) =>
      flow({
        nodes: [
          { id: 'a', type: 'trigger.manual', name: 'A', config: {} },
          { id: 's', type: 'action.slack', name: 'S', config: { mode: 'webhook', webhookUrl, text: 'hi' } },
        ],
      });
    const masked = diffFlows(slack('********'), slack('https://hooks.slack.com/services/x'), slackSecrets);
    expect(isUnchanged(masked)).toBe(true);
    expect(masked.uncompared).toEqual(['node s: config.webhookUrl']);
    const changed = diffFlows(slack('https://a.example/1'), slack('https://a.example/2'), slackSecrets);
    expect(changed.nodesChanged[0]?.fields).toEqual([
      { path: 'config.webhookUrl', kind: 'changed', secret: true },
    ]);
    expect(JSON.stringify(changed)).not.toContain('a.example');
  });
});

describe('canonical files', () => {
  test('sort keys at every level, round positions, end with a newline, and are stable', () => {
    const text = flowFileText({
      slug: 's',
      name: 'n',
      nodes: [{ position: { y: 2.5, x: -0.4 }, id: 'a', config: { b: 1, a: 2 } }],
    });
    expect(text).toBe(
      '{\n  "name": "n",\n  "nodes": [\n    {\n      "config": {\n        "a": 2,\n        "b": 1\n      },\n      "id": "a",\n      "position": {\n        "x": 0,\n        "y": 3\n      }\n    }\n  ],\n  "slug": "s"\n}\n',
    );
    expect(flowFileText(JSON.parse(text))).toBe(text);
  });
});
