// Validation of the sending rules in a flow definition: a node's channel tag and onCap, its `capped` port, and
// settings.quietHours.
import { describe, expect, test } from 'vitest';
import type { FlowDefinitionInput } from './definition.js';
import { testCatalogue } from './test-catalogue.js';
import { validateFlow } from './validate.js';

function flow(
  fetch: Record<string, unknown>,
  extra: Partial<FlowDefinitionInput> = {},
  edges: FlowDefinitionInput['edges'] = [],
): FlowDefinitionInput {
  return {
    name: 'Welcome',
    slug: 'welcome',
    nodes: [
      { id: 'start', type: 'manual', name: 'Start', config: {} },
      {
        id: 'fetch',
        type: 'http',
        name: 'Send',
        config: { url: 'https://api.test', timeoutMs: 5000 },
        ...fetch,
      },
      { id: 'note', type: 'http', name: 'Note', config: { url: 'https://api.test', timeoutMs: 5000 } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'fetch' }, ...(edges ?? [])],
    ...extra,
  };
}

function problemsOf(input: unknown) {
  const result = validateFlow(input, testCatalogue);
  return result.ok ? [] : result.problems;
}

describe('channel tags and frequency caps', () => {
  test('a tagged action node has a capped port an edge may leave from', () => {
    const edges = [{ id: 'e2', source: 'fetch', sourceHandle: 'capped', target: 'note' }];
    expect(problemsOf(flow({ channel: 'email' }, {}, edges))).toEqual([]);
    expect(problemsOf(flow({ channel: 'email', onCap: 'port' }, {}, edges))).toEqual([]);
  });

  test('a node that waits at the cap, or has no tag, has no capped port', () => {
    const edges = [{ id: 'e2', source: 'fetch', sourceHandle: 'capped', target: 'note' }];
    for (const fields of [{ channel: 'email', onCap: 'wait' }, {}]) {
      const problems = problemsOf(flow(fields, {}, edges));
      expect(problems.map((p) => p.path)).toContain('edges[1].sourceHandle');
    }
  });

  test('refuses a tag on a node that is not an action, a bad tag, and onCap without a tag', () => {
    const trigger = problemsOf({
      ...flow({}),
      nodes: [
        { id: 'start', type: 'manual', name: 'Start', config: {}, channel: 'email' },
        { id: 'fetch', type: 'http', name: 'Send', config: { url: 'https://api.test', timeoutMs: 1 } },
      ],
    });
    expect(trigger).toContainEqual(
      expect.objectContaining({ path: 'nodes[0].channel', code: 'channel_not_allowed', nodeId: 'start' }),
    );
    expect(trigger[0]?.message).toMatch(/only action nodes/);
    expect(problemsOf(flow({ channel: 'E-Mail!' })).map((p) => p.path)).toEqual(['nodes[1].channel']);
    expect(problemsOf(flow({ onCap: 'wait' }))).toContainEqual(
      expect.objectContaining({ path: 'nodes[1].onCap', code: 'on_cap_without_channel' }),
    );
    expect(problemsOf(flow({ channel: 'email', onCap: 'drop' })).map((p) => p.path)).toEqual([
      'nodes[1].onCap',
    ]);
  });
});

describe('settings.quietHours', () => {
  test('accepts start and end on a 24-hour clock, with the trait defaulting to timezone', () => {
    const result = validateFlow(
      flow({ channel: 'email' }, { settings: { quietHours: { start: '21:00', end: '08:00' } } }),
      testCatalogue,
    );
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.flow.settings.quietHours).toEqual({
        start: '21:00',
        end: '08:00',
        timezoneTrait: 'timezone',
      });
    }
  });

  test('refuses a time that is not HH:MM, equal start and end, and unknown fields, in plain words', () => {
    const bad = problemsOf(flow({}, { settings: { quietHours: { start: '9pm', end: '24:00' } } }));
    expect(bad.map((p) => p.path).sort()).toEqual(['settings.quietHours.end', 'settings.quietHours.start']);
    expect(bad[0]?.message).toMatch(/HH:MM/);
    const same = problemsOf(flow({}, { settings: { quietHours: { start: '08:00', end: '08:00' } } }));
    expect(same).toEqual([expect.objectContaining({ path: 'settings.quietHours.end' })]);
    expect(same[0]?.message).toMatch(/start and end must differ/);
    const extra = problemsOf(
      // a field the schema does not know (what a hand-written file may hold), so not of the input's type
      flow({}, {
        settings: { quietHours: { start: '21:00', end: '08:00', zone: 'Europe/Paris' } },
      } as unknown as Partial<FlowDefinitionInput>),
    );
    expect(extra.map((p) => p.path)).toEqual(['settings.quietHours']);
  });
});
