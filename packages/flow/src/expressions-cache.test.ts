import { describe, expect, test, vi } from 'vitest';

// hoisted above the mock factory, which records every source jsonata is asked to compile
const compiled = vi.hoisted(() => ({ sources: [] as string[] }));
vi.mock('jsonata', async (importOriginal) => {
  const real = await importOriginal<{ default: typeof import('jsonata') }>();
  const counting = (source: string, options?: Parameters<typeof real.default>[1]) => {
    compiled.sources.push(source);
    return real.default(source, options);
  };
  return { default: counting };
});

const { resolveConfig } = await import('./expressions.js');

describe('expression compile cache', () => {
  test('parses the same expression once across evaluations', async () => {
    const config = { a: '{{ $json.n + 1 }}', b: 'n={{ $json.n + 1 }}' };
    await resolveConfig(config, { json: { n: 1 } });
    await resolveConfig(config, { json: { n: 2 } });
    expect(compiled.sources).toEqual(['$json.n + 1', '$json.n + 1']);
  });

  test('compiles again when the limits differ', async () => {
    compiled.sources.length = 0;
    await resolveConfig({ a: '{{ 40 + 2 }}' }, {}, { timeoutMs: 10 });
    await resolveConfig({ a: '{{ 40 + 2 }}' }, {}, { timeoutMs: 20 });
    await resolveConfig({ a: '{{ 40 + 2 }}' }, {}, { timeoutMs: 20 });
    expect(compiled.sources).toEqual(['40 + 2', '40 + 2']);
  });

  test('when full, drops the oldest template not used since it was last passed over', async () => {
    await resolveConfig({ a: '{{ "kept" }}' }, {});
    await resolveConfig({ a: '{{ "kept" }}' }, {});
    await resolveConfig({ a: '{{ "dropped" }}' }, {});
    // more new templates than the cache holds (1,000) beside those two
    for (let i = 0; i < 999; i++) await resolveConfig({ a: `{{ ${i} + 0.5 }}` }, {});
    compiled.sources.length = 0;
    await resolveConfig({ a: '{{ "kept" }}' }, {});
    await resolveConfig({ a: '{{ "dropped" }}' }, {});
    expect(compiled.sources).toEqual(['"dropped"']);
  });
});
