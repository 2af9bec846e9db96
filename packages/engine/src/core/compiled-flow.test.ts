// Compiling a flow version: which node configs are constant (parsed once, shared and frozen).
import { flowDefinitionSchema } from '@tributary/flow';
import { describe, expect, test } from 'vitest';
import { manualFlow } from '../testing/index.js';
import { compileFlow } from './compiled-flow.js';

const flow = flowDefinitionSchema.parse(
  manualFlow(
    [
      { id: 'fixed', type: 'logic.set', name: 'Fixed', config: { fields: { plan: 'pro', tags: ['a'] } } },
      {
        id: 'templated',
        type: 'logic.set',
        name: 'Templated',
        config: { fields: { n: '{{ $json.n + 1 }}' } },
      },
      // no expression in the config, but its correlation defaults to one
      { id: 'wait', type: 'logic.wait-for-event', name: 'Wait', config: { event: 'Order Completed' } },
    ],
    [
      { id: 'e1', source: 'trigger', target: 'fixed' },
      { id: 'e2', source: 'fixed', target: 'templated' },
      { id: 'e3', source: 'templated', target: 'wait' },
    ],
  ),
);

describe('compileFlow constant configs', () => {
  const compiled = compileFlow('f', 1, flow);

  test('a config without expressions is parsed once, defaults applied, and frozen', () => {
    const config = compiled.constantConfigs.get('fixed') as { fields: { tags: string[] } };
    expect(config).toEqual({ fields: { plan: 'pro', tags: ['a'] }, keepOnlySet: false });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => config.fields.tags.push('b')).toThrow(TypeError);
    // the definition itself is left as it was
    expect(Object.isFrozen(flow.nodes[1]?.config)).toBe(false);
  });

  test('a config with an expression, or with a default that is one, is resolved for every step', () => {
    expect(compiled.constantConfigs.has('templated')).toBe(false);
    expect(compiled.constantConfigs.has('wait')).toBe(false);
  });
});
