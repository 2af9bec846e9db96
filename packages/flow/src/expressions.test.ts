import { describe, expect, test } from 'vitest';
import { FatalError } from './errors.js';
import {
  checkExpressionSyntax,
  ExpressionError,
  evaluateTemplate,
  findExpressions,
  isExpression,
  resolveConfig,
} from './expressions.js';

const scope = {
  json: { name: 'Ada', age: 36, tags: ['a', 'b'], address: { city: 'Paris' }, missing: null },
  event: { id: 'ev_1' },
  steps: { 'Fetch user': { json: { id: 7 } } },
  run: { id: 'run_1' },
};

async function failure(promise: Promise<unknown>): Promise<ExpressionError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExpressionError);
  // the assertion above guarantees the type
  return err as ExpressionError;
}

describe('evaluateTemplate', () => {
  test('returns strings without {{ unchanged', async () => {
    expect(await evaluateTemplate('plain text } {', scope)).toBe('plain text } {');
  });

  test('a lone expression keeps the JSON type of its value', async () => {
    expect(await evaluateTemplate('{{ $json.age }}', scope)).toBe(36);
    expect(await evaluateTemplate('  {{ $json.address }}  ', scope)).toEqual({ city: 'Paris' });
    expect(await evaluateTemplate('{{ $json.age > 30 }}', scope)).toBe(true);
    expect(await evaluateTemplate('{{ $json.tags }}', scope)).toEqual(['a', 'b']);
    expect(await evaluateTemplate('{{ $json.missing }}', scope)).toBeNull();
    expect(await evaluateTemplate('{{ $json.nothing }}', scope)).toBeNull();
  });

  test('returns plain arrays, not JSONata sequences', async () => {
    const value = await evaluateTemplate('{{ [1, 2] }}', scope);
    expect(Array.isArray(value) && Object.keys(value)).toEqual(['0', '1']);
  });

  test('text with expressions becomes a string', async () => {
    expect(await evaluateTemplate('Hi {{ $json.name }}, {{ $json.age }}!', scope)).toBe('Hi Ada, 36!');
    expect(await evaluateTemplate('{{ $json.name }}{{ $json.age }}', scope)).toBe('Ada36');
    expect(await evaluateTemplate('at {{ $json.address }}', scope)).toBe('at {"city":"Paris"}');
    expect(await evaluateTemplate('[{{ $json.missing }}{{ $json.nothing }}]', scope)).toBe('[]');
  });

  test('reads the input $ as $json and binds event, steps and run', async () => {
    expect(await evaluateTemplate('{{ name }}', scope)).toBe('Ada');
    expect(await evaluateTemplate('{{ $event.id }}/{{ $run.id }}', scope)).toBe('ev_1/run_1');
    expect(await evaluateTemplate('{{ $steps.`Fetch user`.json.id }}', scope)).toBe(7);
  });

  test('\\{{ stands for a literal {{', async () => {
    expect(await evaluateTemplate('\\{{ name }} is {{ name }}', scope)).toBe('{{ name }} is Ada');
  });

  test('evaluates object constructors with nested braces', async () => {
    expect(await evaluateTemplate('{{ {"who": {"n": name}} }}', scope)).toEqual({ who: { n: 'Ada' } });
  });

  test('refuses scope keys written with a $', async () => {
    await expect(evaluateTemplate('{{ 1 }}', { $json: {} })).rejects.toThrow(TypeError);
  });
});

describe('resolveConfig', () => {
  test('tells of each expression that gave nothing, with the field it fills, and of no other', async () => {
    const empty: Array<[string, string]> = [];
    const resolved = await resolveConfig(
      {
        url: 'https://api.test/users/{{ $json.nobody }}',
        body: {
          total: '{{ $json.cart.total }}',
          name: '{{ name }}',
          nothing: '{{ missing }}',
          zero: '{{ 0 }}',
        },
        tags: ['{{ $json.tags[0] }}', '{{ $json.tags[5] }}'],
        plain: 'no expression here',
      },
      scope,
      { onEmpty: (path, expression) => empty.push([path, expression]) },
    );
    expect(resolved).toEqual({
      url: 'https://api.test/users/',
      body: { total: null, name: 'Ada', nothing: null, zero: 0 },
      tags: ['a', null],
      plain: 'no expression here',
    });
    expect(empty).toEqual([
      ['config.url', '$json.nobody'],
      ['config.body.total', '$json.cart.total'],
      ['config.body.nothing', 'missing'],
      ['config.tags[1]', '$json.tags[5]'],
    ]);
  });

  test('resolves every string deeply and leaves keys and other values alone', async () => {
    const config = {
      url: 'https://api.test/users/{{ $steps.`Fetch user`.json.id }}',
      timeoutMs: '{{ $json.age * 1000 }}',
      retries: 3,
      enabled: true,
      headers: { '{{ key }}': '{{ $event.id }}' },
      list: ['{{ name }}', { deep: '{{ $json.tags[1] }}' }, null],
    };
    const before = structuredClone(config);
    expect(await resolveConfig(config, scope)).toEqual({
      url: 'https://api.test/users/7',
      timeoutMs: 36000,
      retries: 3,
      enabled: true,
      headers: { '{{ key }}': 'ev_1' },
      list: ['Ada', { deep: 'b' }, null],
    });
    expect(config).toEqual(before);
  });

  test('keeps a __proto__ key as data', async () => {
    const config: unknown = JSON.parse('{"__proto__": {"polluted": "{{ name }}"}}');
    const resolved = await resolveConfig(config, scope);
    expect(Object.getPrototypeOf(resolved)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(resolved)).toEqual(['__proto__']);
    expect(Reflect.get({}, 'polluted')).toBeUndefined();
  });

  test('an evaluation error names the field path and the JSONata message', async () => {
    const err = await failure(
      resolveConfig({ headers: { Authorization: 'Bearer {{ $number("x") }}' } }, scope),
    );
    expect(err).toBeInstanceOf(FatalError);
    expect(err.code).toBe('expression_failed');
    expect(err.reason).toBe('evaluation');
    expect(err.path).toBe('config.headers.Authorization');
    expect(err.expression).toBe('Bearer {{ $number("x") }}');
    expect(err.message).toMatch(
      /^config\.headers\.Authorization: expression \{\{ \$number\("x"\) \}\} failed: /,
    );
    expect(err.message).toContain('Unable to cast value to a number');
  });

  test('a syntax error is reported with its path', async () => {
    const err = await failure(resolveConfig({ items: ['ok', '{{ $foo( }}'] }, scope));
    expect(err.reason).toBe('syntax');
    expect(err.path).toBe('config.items[1]');
    expect(err.message).toContain('Expected ")" before end of expression');
  });

  test('stops runaway recursion at the depth limit', async () => {
    const started = Date.now();
    const err = await failure(
      resolveConfig({ x: '{{ ( $f := function($n){ 1 + $f($n+1) }; $f(0) ) }}' }, scope, { maxDepth: 200 }),
    );
    expect(err.reason).toBe('depth');
    expect(err.message).toContain('nested deeper than 200 steps');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('stops a long loop at the time limit', async () => {
    const source = '$map([1..1e5], function($v){ $map([1..1e5], function($w){ $w }) })';
    const started = Date.now();
    const err = await failure(resolveConfig({ x: `{{ ${source} }}` }, scope, { timeoutMs: 50 }));
    expect(err.reason).toBe('timeout');
    expect(err.message).toBe(`config.x: expression {{ ${source} }} ran longer than 50 ms`);
    expect(Date.now() - started).toBeLessThan(500);
  });

  test('refuses a range past the item limit before allocating it', async () => {
    // allocating [1..1e7] would be one uninterruptible step of a few hundred ms; the sequence bound refuses it
    const started = Date.now();
    const err = await failure(
      resolveConfig({ x: '{{ $map([1..1e7], function($v){$v}) }}' }, scope, { timeoutMs: 50 }),
    );
    expect(err.reason).toBe('size');
    expect(err.message).toContain('maximum sequence length of 1000000');
    expect(Date.now() - started).toBeLessThan(500);
  });

  test('stops endless tail recursion by time, with the default limit of 1000 ms', async () => {
    // jsonata runs tail calls in constant depth, so only the clock can stop this one
    const started = Date.now();
    const err = await failure(resolveConfig({ x: '{{ ( $f := function($n){ $f($n+1) }; $f(0) ) }}' }, scope));
    expect(err.reason).toBe('timeout');
    expect(err.message).toContain('ran longer than 1000 ms');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('$eval cannot escape the limits', async () => {
    const source = '{{ $eval("( $f := function($n){ 1 + $f($n+1) }; $f(0) )") }}';
    const err = await failure(resolveConfig({ x: source }, scope));
    expect(err.reason).toBe('depth');
  });

  test('functions in the scope are not callable from expressions', async () => {
    let called = false;
    const leaky = {
      json: {
        secret: () => {
          called = true;
          return 'leaked';
        },
      },
    };
    const err = await failure(resolveConfig({ x: '{{ $json.secret() }}' }, leaky));
    expect(err.reason).toBe('evaluation');
    expect(called).toBe(false);
  });

  test('prototypes and JS globals are out of reach', async () => {
    expect(await resolveConfig({ x: '{{ $json.constructor }}' }, scope)).toEqual({ x: null });
    expect(await resolveConfig({ x: '{{ $process }}', y: '{{ $globalThis }}' }, scope)).toEqual({
      x: null,
      y: null,
    });
  });

  test('refuses a zero time limit, which jsonata would read as none', async () => {
    await expect(resolveConfig({ x: '{{ 1 }}' }, scope, { timeoutMs: 0 })).rejects.toThrow(RangeError);
  });
});

describe('findExpressions', () => {
  test('lists expression strings with their paths under an optional base', () => {
    const config = { url: 'https://x/{{ id }}', plain: 'x', escaped: '\\{{ x }}', list: [1, { a: '{{ a' }] };
    expect(findExpressions(config)).toEqual([
      { path: 'url', source: 'https://x/{{ id }}' },
      { path: 'list[1].a', source: '{{ a' },
    ]);
    expect(findExpressions(config, ['nodes', 2, 'config'])[0]?.path).toBe('nodes[2].config.url');
  });

  test('isExpression is false for plain and escaped strings', () => {
    expect(isExpression('{{ a }}')).toBe(true);
    expect(isExpression('\\{{ a }}')).toBe(false);
    expect(isExpression(42)).toBe(false);
  });
});

describe('checkExpressionSyntax', () => {
  test('accepts valid templates', () => {
    expect(checkExpressionSyntax('a {{ $json.x + 1 }} b {{ $uppercase(name) }}')).toBeUndefined();
  });

  test('reports JSONata syntax errors and unterminated expressions', () => {
    expect(checkExpressionSyntax('{{ $json.x + }}')).toMatch(
      /^\{\{ \$json\.x \+ \}\} is not valid JSONata: /,
    );
    expect(checkExpressionSyntax('{{ a')).toBe('"{{" at position 0 has no closing "}}"');
  });
});
