import { describe, expect, test } from 'vitest';
import { checkExpressionSyntax, ExpressionError, resolveConfig } from './expressions.js';
import { MAX_ITEMS, MAX_STRING_LENGTH } from './runaway-guards.js';

async function failure(promise: Promise<unknown>): Promise<ExpressionError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error('expected an ExpressionError');
}

/** Fails the expression and returns the error and how long it took; the heap must not have grown by much. */
async function runaway(source: string, json: unknown = {}) {
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const err = await failure(resolveConfig({ x: `{{ ${source} }}` }, { json }));
  const ms = performance.now() - started;
  const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  return { err, ms, heapGrowthMb };
}

describe('runaway expressions fail fast on the main thread', () => {
  test('a catastrophically backtracking regex falls back to the linear engine', async () => {
    const text = `${'a'.repeat(40)}!`;
    const started = performance.now();
    const out = await resolveConfig(
      {
        match: '{{ $match($json.t, /(a+)+$/) }}',
        contains: '{{ $contains($json.t, /^(a|aa)+$/) }}',
        replace: '{{ $replace($json.t, /(a*)*b/, "x") }}',
        split: '{{ $count($split($json.t, /(a+)+b/)) }}',
      },
      { json: { t: text } },
    );
    // each would backtrack for hours on the backtracking engine (2^40 paths)
    expect(out).toEqual({ match: null, contains: false, replace: text, split: 1 });
    expect(performance.now() - started).toBeLessThan(500);
  });

  test('a regex the linear engine cannot run is refused at publish, with the reason', () => {
    for (const pattern of ['/(a+)+$/i', '/(a)\\1/', '/(?=a)b/', '/a{50}/']) {
      const problem = checkExpressionSyntax(`{{ $match($json.t, ${pattern}) }}`);
      expect(problem, pattern).toMatch(/could backtrack without end/);
    }
    expect(checkExpressionSyntax('{{ $match($json.t, /[Aa]b+c?/m) }}')).toBeUndefined();
  });

  test('a regex built by $eval is refused when it is built', async () => {
    const { err, ms } = await runaway('$eval("$match(\\"aaaa!\\", /(a+)+$/i)")');
    expect(err.reason).toBe('regex');
    expect(err.message).toContain('could backtrack without end');
    expect(ms).toBeLessThan(500);
  });

  test('$pad to hundreds of MB is refused before it allocates', async () => {
    const { err, ms, heapGrowthMb } = await runaway('$pad("x", 500000000)');
    expect(err.reason).toBe('size');
    expect(err.message).toContain(`the limit is ${MAX_STRING_LENGTH} characters per string`);
    expect(ms).toBeLessThan(200);
    expect(heapGrowthMb).toBeLessThan(50);
  });

  test('$pad keeps its behaviour under the limit', async () => {
    const out = await resolveConfig(
      { a: '{{ $pad("7", 3, "0") }}', b: '{{ $pad("7", -4, "#*") }}', c: '{{ $pad("abc", 2) }}' },
      { json: {} },
    );
    expect(out).toEqual({ a: '7000'.slice(0, 3), b: '#*#7', c: 'abc' });
  });

  test('string concatenation doubling to hundreds of MB stops at the string limit', async () => {
    const { err, ms, heapGrowthMb } = await runaway(
      '$reduce([1..40], function($a, $i){ $a & $a }, "xxxxxxxx")',
    );
    expect(err.reason).toBe('size');
    expect(err.message).toMatch(/made a string of \d+ characters/);
    expect(ms).toBeLessThan(500);
    expect(heapGrowthMb).toBeLessThan(100);
  });

  test('$append doubling an array stops at the item limit', async () => {
    const { err, ms, heapGrowthMb } = await runaway(
      '$reduce([1..40], function($a, $i){ $append($a, $a) }, [1,2,3])',
    );
    expect(err.reason).toBe('size');
    expect(err.message).toContain(String(MAX_ITEMS));
    expect(ms).toBeLessThan(1000);
    expect(heapGrowthMb).toBeLessThan(200);
  });

  test('a map that allocates a large string per call stops at the per-evaluation budget', async () => {
    const { err, ms, heapGrowthMb } = await runaway('$map([1..100000], function($i){ $pad("", 9000000) })');
    expect(err.reason).toBe('size');
    expect(err.message).toContain('in one evaluation');
    expect(ms).toBeLessThan(1000);
    expect(heapGrowthMb).toBeLessThan(400);
  });

  test('$join of huge parts is refused before it joins', async () => {
    const { err, heapGrowthMb } = await runaway('( $s := $pad("", 5000000); $join([$s, $s, $s, $s], ",") )');
    expect(err.reason).toBe('size');
    expect(err.message).toContain('$join of 20000003 characters');
    expect(heapGrowthMb).toBeLessThan(100);
  });

  test('$replace and $string that would outgrow their bounded inputs fail by size, quickly', async () => {
    for (const source of [
      '( $s := $pad("", 5000000, "a"); $replace($s, "a", $s) )',
      '( $s := $pad("", 5000000, "a"); $string([$s, $s, $s, $s, $s, $s, $s, $s, $s, $s, $s, $s]) )',
    ]) {
      const { err, ms, heapGrowthMb } = await runaway(source);
      expect(err.reason, source).toBe('size');
      expect(ms, source).toBeLessThan(500);
      expect(heapGrowthMb, source).toBeLessThan(200);
    }
  });

  test('deep recursion defined in JSONata fails at the depth limit', async () => {
    const { err, ms } = await runaway('( $f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1e9) )');
    expect(err.reason).toBe('depth');
    expect(err.message).toContain('nested deeper than 200 steps');
    expect(ms).toBeLessThan(500);
  });

  test('a tail recursion that builds a string fails by size or time, never by crashing', async () => {
    const { err, ms } = await runaway('( $f := function($s){ $f($s & $s & "x") }; $f("x") )');
    expect(['size', 'timeout']).toContain(err.reason);
    expect(ms).toBeLessThan(1500);
  });

  test('a long evaluation lets the event loop run between slices', async () => {
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 5);
    const err = await failure(
      resolveConfig(
        { x: '{{ ( $f := function($n){ $f($n + 1) }; $f(0) ) }}' },
        { json: {} },
        { timeoutMs: 400 },
      ),
    );
    clearInterval(timer);
    expect(err.reason).toBe('timeout');
    // without the slices the timer would not fire once in the 400 ms (jsonata's awaits are microtasks)
    expect(gaps.length).toBeGreaterThan(10);
    expect(Math.max(...gaps), gaps.map(Math.round).join(',')).toBeLessThan(150);
  });
});
