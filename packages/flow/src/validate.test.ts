import { describe, expect, test } from 'vitest';
import type { FlowDefinitionInput } from './definition.js';
import { ValidationError } from './errors.js';
import { testCatalogue } from './test-catalogue.js';
import { assertValidFlow, validateFlow } from './validate.js';

/** trigger → fetch (http) → check (if); fetch's error port → alert (http). */
function validFlow(): FlowDefinitionInput {
  return {
    name: 'Order follow-up',
    slug: 'order-follow-up',
    nodes: [
      { id: 'start', type: 'manual', name: 'Start', config: {} },
      {
        id: 'fetch',
        type: 'http',
        name: 'Fetch',
        config: { url: 'https://api.test/orders', timeoutMs: 5000 },
      },
      { id: 'check', type: 'if', name: 'Check', config: { condition: true } },
      { id: 'alert', type: 'http', name: 'Alert', config: { url: 'https://alerts.test', timeoutMs: 1000 } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'fetch' },
      { id: 'e2', source: 'fetch', sourceHandle: 'main', target: 'check', targetHandle: 'main' },
      { id: 'e3', source: 'fetch', sourceHandle: 'error', target: 'alert' },
    ],
  };
}

function problemsOf(input: unknown) {
  const result = validateFlow(input, testCatalogue);
  if (result.ok) throw new Error('expected the flow to be invalid');
  return result.problems;
}

function withNodes(...nodes: FlowDefinitionInput['nodes']): FlowDefinitionInput {
  const flow = validFlow();
  return { ...flow, nodes: [...flow.nodes, ...nodes] };
}

function withEdges(...edges: NonNullable<FlowDefinitionInput['edges']>): FlowDefinitionInput {
  const flow = validFlow();
  return { ...flow, edges: [...(flow.edges ?? []), ...edges] };
}

describe('validateFlow', () => {
  test('accepts a valid flow and returns it with defaults filled in', () => {
    const result = validateFlow(validFlow(), testCatalogue);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.flow.description).toBe('');
    expect(result.flow.settings).toEqual({});
    expect(result.flow.nodes[0]?.position).toEqual({ x: 0, y: 0 });
  });

  test('maps shape errors to problems with the JSON path and node id', () => {
    const flow = validFlow();
    const input = {
      ...flow,
      slug: 'Not A Slug',
      nodes: flow.nodes.map((n, i) => (i === 1 ? { ...n, position: { x: 'left', y: 0 } } : n)),
      extra: true,
    };
    const problems = problemsOf(input);
    expect(problems).toContainEqual(expect.objectContaining({ path: 'slug', code: 'invalid_shape' }));
    expect(problems).toContainEqual(
      expect.objectContaining({ path: 'nodes[1].position.x', nodeId: 'fetch', code: 'invalid_shape' }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({ path: '', message: expect.stringContaining('extra') }),
    );
  });

  test('reports duplicate node ids, node names and edge ids', () => {
    const problems = problemsOf({
      ...withNodes(
        { id: 'fetch', type: 'if', name: 'Other', config: { condition: true } },
        { id: 'check2', type: 'if', name: 'Check', config: { condition: false } },
      ),
      edges: [
        ...(validFlow().edges ?? []),
        { id: 'e1', source: 'check', sourceHandle: 'true', target: 'check2' },
      ],
    });
    expect(problems).toEqual([
      expect.objectContaining({ path: 'nodes[4].id', nodeId: 'fetch', code: 'duplicate_node_id' }),
      expect.objectContaining({ path: 'nodes[5].name', nodeId: 'check2', code: 'duplicate_node_name' }),
      expect.objectContaining({ path: 'edges[3].id', code: 'duplicate_edge_id' }),
    ]);
  });

  test('requires a trigger node', () => {
    const flow = validFlow();
    const problems = problemsOf({ ...flow, nodes: flow.nodes.slice(1), edges: [] });
    expect(problems).toEqual([expect.objectContaining({ path: 'nodes', code: 'missing_trigger' })]);
  });

  test('reports each trigger beyond the first', () => {
    const problems = problemsOf(
      withNodes(
        { id: 'again', type: 'manual', name: 'Again' },
        { id: 'third', type: 'manual', name: 'Third' },
      ),
    );
    expect(problems).toEqual([
      expect.objectContaining({ path: 'nodes[4]', nodeId: 'again', code: 'extra_trigger' }),
      expect.objectContaining({ path: 'nodes[5]', nodeId: 'third', code: 'extra_trigger' }),
    ]);
  });

  test('reports an unknown node type at its type field', () => {
    const problems = problemsOf(withNodes({ id: 'x', type: 'teleport', name: 'X' }));
    expect(problems).toEqual([
      {
        path: 'nodes[4].type',
        nodeId: 'x',
        code: 'unknown_node_type',
        message: 'X: unknown node type "teleport"',
      },
    ]);
  });

  test('checks node config against the type schema at the config path', () => {
    const problems = problemsOf(
      withNodes({ id: 'bad', type: 'http', name: 'Bad', config: { url: 'not a url', headers: { a: 1 } } }),
    );
    expect(problems.map((p) => [p.path, p.nodeId, p.code])).toEqual([
      ['nodes[4].config.url', 'bad', 'invalid_config'],
      ['nodes[4].config.timeoutMs', 'bad', 'invalid_config'],
      ['nodes[4].config.headers.a', 'bad', 'invalid_config'],
    ]);
  });

  test('accepts expressions in typed fields and checks them at run time instead', () => {
    const result = validateFlow(
      withNodes(
        {
          id: 'dyn',
          type: 'http',
          name: 'Dynamic',
          config: { url: '{{ $json.callbackUrl }}', timeoutMs: '{{ $json.seconds * 1000 }}' },
        },
        { id: 'cond', type: 'if', name: 'Cond', config: { condition: '{{ $json.total > 100 }}' } },
      ),
      testCatalogue,
    );
    expect(result).toMatchObject({ ok: true });
  });

  test('reports bad JSONata syntax at the field path', () => {
    const problems = problemsOf(
      withNodes({
        id: 'dyn',
        type: 'http',
        name: 'Dynamic',
        config: { url: 'https://x/{{ $json.id + }}', timeoutMs: '{{ $json.t', headers: { h: '{{ ok }}' } },
      }),
    );
    expect(problems).toEqual([
      {
        path: 'nodes[4].config.url',
        nodeId: 'dyn',
        code: 'invalid_expression',
        message: expect.stringMatching(/^\{\{ \$json\.id \+ \}\} is not valid JSONata: /),
      },
      {
        path: 'nodes[4].config.timeoutMs',
        nodeId: 'dyn',
        code: 'invalid_expression',
        message: '"{{" at position 0 has no closing "}}"',
      },
    ]);
  });

  test('reports edges whose source or target is not a node', () => {
    const problems = problemsOf(withEdges({ id: 'e9', source: 'ghost', target: 'nowhere' }));
    expect(problems).toEqual([
      expect.objectContaining({ path: 'edges[3].source', code: 'unknown_node' }),
      expect.objectContaining({ path: 'edges[3].target', code: 'unknown_node' }),
    ]);
  });

  test('checks source handles against the output ports, with error only where a node can fail', () => {
    const problems = problemsOf(
      withEdges(
        { id: 'e4', source: 'check', sourceHandle: 'maybe', target: 'alert' },
        { id: 'e5', source: 'check', sourceHandle: 'error', target: 'alert' },
        { id: 'e6', source: 'check', sourceHandle: 'true', target: 'alert' },
      ),
    );
    expect(problems).toEqual([
      {
        path: 'edges[3].sourceHandle',
        nodeId: 'check',
        code: 'unknown_port',
        message: 'node "Check" (if) has no output port "maybe"; its outputs are "true", "false"',
      },
      expect.objectContaining({ path: 'edges[4].sourceHandle', nodeId: 'check', code: 'unknown_port' }),
    ]);
  });

  test('takes the output ports of a switch from its config', () => {
    const flow = withNodes({
      id: 'route',
      type: 'switch',
      name: 'Route',
      config: { cases: [{ port: 'vip', when: true }], fallback: true },
    });
    const edges = [
      ...(flow.edges ?? []),
      { id: 'e4', source: 'check', sourceHandle: 'true', target: 'route' },
      { id: 'e5', source: 'route', sourceHandle: 'vip', target: 'alert' },
      { id: 'e6', source: 'route', sourceHandle: 'fallback', target: 'alert' },
      { id: 'e7', source: 'route', sourceHandle: 'gold', target: 'alert' },
    ];
    expect(problemsOf({ ...flow, edges })).toEqual([
      expect.objectContaining({ path: 'edges[6].sourceHandle', nodeId: 'route', code: 'unknown_port' }),
    ]);
  });

  test('checks target handles against the input ports', () => {
    const flow = withNodes({ id: 'join', type: 'merge', name: 'Join' });
    const edges = [
      ...(flow.edges ?? []),
      { id: 'e4', source: 'check', sourceHandle: 'true', target: 'join', targetHandle: 'a' },
      { id: 'e5', source: 'check', sourceHandle: 'false', target: 'join', targetHandle: 'b' },
      { id: 'e6', source: 'alert', target: 'join' },
    ];
    expect(problemsOf({ ...flow, edges })).toEqual([
      {
        path: 'edges[5].targetHandle',
        nodeId: 'join',
        code: 'unknown_port',
        message: 'node "Join" (merge) has no input port "main"; its inputs are "a", "b"',
      },
    ]);
  });

  test('refuses edges into the trigger', () => {
    const problems = problemsOf(withEdges({ id: 'e4', source: 'alert', target: 'start' }));
    expect(problems).toEqual([
      expect.objectContaining({ path: 'edges[3].target', nodeId: 'start', code: 'edge_into_trigger' }),
    ]);
  });

  test('refuses self-loops', () => {
    const problems = problemsOf(withEdges({ id: 'e4', source: 'alert', target: 'alert' }));
    expect(problems).toEqual([
      expect.objectContaining({ path: 'edges[3]', nodeId: 'alert', code: 'self_loop' }),
    ]);
  });

  test('refuses a second edge between the same ports, counting a missing handle as main', () => {
    const problems = problemsOf(
      withEdges({ id: 'e4', source: 'start', sourceHandle: 'main', target: 'fetch', targetHandle: null }),
    );
    expect(problems).toEqual([
      { path: 'edges[3]', code: 'duplicate_edge', message: 'edge joins the same ports as edge "e1"' },
    ]);
  });

  test('refuses cycles and names the nodes in them', () => {
    const problems = problemsOf(
      withEdges({ id: 'e4', source: 'check', sourceHandle: 'false', target: 'fetch' }),
    );
    expect(problems).toEqual([
      {
        path: 'edges',
        nodeId: 'fetch',
        code: 'cycle',
        message: expect.stringContaining('edges form a cycle "Fetch" → "Check" → "Fetch"'),
      },
    ]);
  });

  test('reports every problem at once, even beside a malformed edge', () => {
    const flow = withNodes(
      { id: 'bad', type: 'http', name: 'Fetch', config: { url: 'nope', timeoutMs: '{{ $json.t }}' } },
      { id: 'unknown', type: 'teleport', name: 'Unknown' },
    );
    const edges = [
      ...(flow.edges ?? []),
      { id: 'e 4', source: 'start', target: 'bad' },
      { id: 'e5', source: 'check', sourceHandle: 'nope', target: 'bad' },
    ];
    const problems = problemsOf({ ...flow, edges });
    expect(problems.map((p) => `${p.code} ${p.path}`)).toEqual([
      'invalid_shape edges[3].id',
      'duplicate_node_name nodes[4].name',
      'invalid_config nodes[4].config.url',
      'unknown_node_type nodes[5].type',
      'unknown_port edges[4].sourceHandle',
    ]);
  });

  test('does not report edges to a node that is itself malformed as dangling', () => {
    const flow = validFlow();
    const problems = problemsOf({
      ...flow,
      nodes: [
        ...flow.nodes,
        { id: 'odd', type: 'if', name: 'Odd', config: { condition: true }, colour: 'red' },
      ],
      edges: [...(flow.edges ?? []), { id: 'e4', source: 'check', sourceHandle: 'true', target: 'odd' }],
    });
    expect(problems).toEqual([
      expect.objectContaining({ path: 'nodes[4]', nodeId: 'odd', code: 'invalid_shape' }),
    ]);
  });
});

describe('assertValidFlow', () => {
  test('returns the parsed flow when it is valid', () => {
    expect(assertValidFlow(validFlow(), testCatalogue).edges).toHaveLength(3);
  });

  test('throws a ValidationError carrying every problem', () => {
    const flow = validFlow();
    const input = {
      ...flow,
      nodes: flow.nodes.slice(1),
      edges: [{ id: 'e1', source: 'x', target: 'fetch' }],
    };
    const err: unknown = (() => {
      try {
        assertValidFlow(input, testCatalogue);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({
      code: 'validation_failed',
      message: 'the flow definition is not valid (2 problems)',
      problems: [{ code: 'missing_trigger' }, { code: 'unknown_node', path: 'edges[0].source' }],
    });
  });
});
