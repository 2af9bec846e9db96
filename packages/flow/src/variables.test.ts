import { describe, expect, test } from 'vitest';
import {
  readsVariables,
  unknownVariableProblems,
  VARIABLE_NAME_PATTERN,
  variableReferences,
  variablesInTemplate,
} from './variables.js';

const node = (id: string, config: Record<string, unknown>) => ({
  id,
  type: 'logic.set',
  name: id,
  config,
  position: { x: 0, y: 0 },
});

describe('variable references', () => {
  test('reads $vars.NAME in every expression of a template, nested in any JSONata construct', () => {
    expect([...variablesInTemplate('{{ $vars.BASE }}/orders/{{ $json.id & $vars.SUFFIX }}')]).toEqual([
      'BASE',
      'SUFFIX',
    ]);
    expect([...variablesInTemplate('{{ $map([1,2], function($x) { $x * $number($vars.RATE) }) }}')]).toEqual([
      'RATE',
    ]);
    expect([...variablesInTemplate('{{ $vars.`WITH SPACE` }}')]).toEqual(['WITH SPACE']);
  });

  test('text, string literals, a whole $vars passed on and unparseable templates are no references', () => {
    expect(variablesInTemplate('$vars.PLAIN is not an expression').size).toBe(0);
    expect(variablesInTemplate('{{ "$vars.QUOTED" }}').size).toBe(0);
    expect(variablesInTemplate('{{ $lookup($vars, "DYNAMIC") }}').size).toBe(0);
    expect(variablesInTemplate('{{ $vars.BROKEN + }}').size).toBe(0);
  });

  test('variableReferences names the node and the JSON path; unknown ones become problems', () => {
    const def = {
      nodes: [
        node('a', { url: '{{ $vars.BASE }}/x', headers: { k: '{{ $vars.KEY }}' } }),
        node('b', { list: ['plain', '{{ $vars.BASE }}'] }),
      ],
    };
    expect(variableReferences(def)).toEqual([
      { name: 'BASE', nodeId: 'a', path: 'nodes[0].config.url' },
      { name: 'KEY', nodeId: 'a', path: 'nodes[0].config.headers.k' },
      { name: 'BASE', nodeId: 'b', path: 'nodes[1].config.list[1]' },
    ]);
    expect(readsVariables(def)).toBe(true);
    expect(unknownVariableProblems(def, new Set(['BASE']))).toEqual([
      {
        path: 'nodes[0].config.headers.k',
        nodeId: 'a',
        code: 'variable_not_found',
        message: expect.stringContaining('$vars.KEY'),
      },
    ]);
    expect(readsVariables({ nodes: [node('c', { a: '{{ $json.x }}' })] })).toBe(false);
  });

  test('names: a letter or _, then letters, digits or _, at most 64', () => {
    for (const ok of ['A', '_x', 'CRM_BASE_URL', 'a1', 'A'.repeat(64)])
      expect(VARIABLE_NAME_PATTERN.test(ok)).toBe(true);
    for (const bad of ['', '1A', 'A-B', 'A B', 'A.B', 'A'.repeat(65), 'É']) {
      expect(VARIABLE_NAME_PATTERN.test(bad)).toBe(false);
    }
  });
});
