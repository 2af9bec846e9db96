import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { switchNode } from './switch.js';
import { runNode } from './test-context.js';

const rules = [
  { condition: false, port: 'small' },
  { condition: true, port: 'medium' },
  { condition: 1, port: 'large' },
];

describe('switch', () => {
  const item = { total: 50 };

  it('has one port per rule in order, then default', () => {
    const config = switchNode.config.parse({ rules });
    expect(switchNode.outputs(config)).toEqual(['small', 'medium', 'large', 'default']);
  });

  it('defaults to the first matching rule', () => {
    expect(switchNode.config.parse({ rules }).mode).toBe('first');
  });

  it('sends the item to the first matching rule only in mode first', async () => {
    expect(await runNode(switchNode, { rules }, item)).toEqual({
      small: [],
      medium: [item],
      large: [],
      default: [],
    });
  });

  it('sends the item to every matching rule in mode all', async () => {
    expect(await runNode(switchNode, { rules, mode: 'all' }, item)).toEqual({
      small: [],
      medium: [item],
      large: [item],
      default: [],
    });
  });

  it.each(['first', 'all'] as const)(
    'sends the item to default when no rule matches in mode %s',
    async (mode) => {
      const none = [
        { condition: '', port: 'a' },
        { condition: [], port: 'b' },
      ];
      expect(await runNode(switchNode, { rules: none, mode }, item)).toEqual({
        a: [],
        b: [],
        default: [item],
      });
    },
  );

  it('refuses a port used twice and points at the second one', () => {
    const result = switchNode.config.safeParse({
      rules: [
        { condition: true, port: 'a' },
        { condition: true, port: 'a' },
      ],
    });
    expect(result.error?.issues.map((i) => i.path)).toEqual([['rules', 1, 'port']]);
  });

  it.each(['default', 'error', '1st', 'has space', ''])('refuses the port name %j', (port) => {
    expect(switchNode.config.safeParse({ rules: [{ condition: true, port }] }).success).toBe(false);
  });

  it('needs between 1 and 50 rules', () => {
    const many = Array.from({ length: 51 }, (_, i) => ({ condition: true, port: `p${i}` }));
    expect(switchNode.config.safeParse({ rules: [] }).success).toBe(false);
    expect(switchNode.config.safeParse({ rules: many }).success).toBe(false);
    expect(switchNode.config.safeParse({ rules: many.slice(0, 50) }).success).toBe(true);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(switchNode.config, { io: 'input' })).toMatchSnapshot();
  });
});
