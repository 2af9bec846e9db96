import { describe, expect, test } from 'vitest';
import { nodeProblems, parsePath } from './problem-paths';

describe('problem paths', () => {
  test('parses keys, indexes and quoted keys', () => {
    expect(parsePath('nodes[2].config.headers["X-Key"]')).toEqual(['nodes', 2, 'config', 'headers', 'X-Key']);
  });

  test("sorts a node's problems into form errors, field errors and the rest", () => {
    const sorted = nodeProblems(
      [
        { path: 'nodes[1].config.url', message: 'must be an http or https URL', nodeId: 'call' },
        { path: 'nodes[1].config.rules[0].port', message: 'bad port', nodeId: 'call' },
        { path: 'nodes[1].config', message: 'unknown key', nodeId: 'call' },
        { path: 'nodes[1].name', message: 'taken', nodeId: 'call' },
        { path: 'edges[0]', message: 'dangling', nodeId: 'call' },
        { path: 'nodes[0].config.path', message: 'other node', nodeId: 'hook' },
      ],
      'call',
    );
    expect(sorted.configErrors).toEqual({
      url: { __errors: ['must be an http or https URL'] },
      rules: { 0: { port: { __errors: ['bad port'] } } },
    });
    expect(sorted.configGeneral).toEqual(['unknown key']);
    expect(sorted.fields).toEqual({ name: ['taken'] });
    expect(sorted.other).toEqual(['dangling']);
  });
});
