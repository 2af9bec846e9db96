import { describe, expect, test } from 'vitest';
import { applyCompletion, completionContext, tokenize } from './expression-tokens';

describe('expression tokens', () => {
  test('splits text and {{ }} expressions, marking variables and strings', () => {
    expect(tokenize("Hi {{ $json.name = 'x' }}!")).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'brace', text: '{{' },
      { kind: 'code', text: ' ' },
      { kind: 'variable', text: '$json' },
      { kind: 'code', text: '.name = ' },
      { kind: 'string', text: "'x'" },
      { kind: 'code', text: ' ' },
      { kind: 'brace', text: '}}' },
      { kind: 'text', text: '!' },
    ]);
  });

  test('an unclosed expression runs to the end of the text', () => {
    expect(tokenize('{{ $js').map((t) => t.kind)).toEqual(['brace', 'code', 'variable']);
  });
});

describe('completion context', () => {
  test('finds the path typed at the caret inside an expression', () => {
    const text = 'x {{ $json.bo }}';
    expect(completionContext(text, 13)).toEqual({ prefix: '$json.bo', start: 5 });
  });

  test('offers the roots right after the opening braces, nothing outside them', () => {
    expect(completionContext('{{ ', 3)).toEqual({ prefix: '', start: 3 });
    expect(completionContext('$json.body', 10)).toBeNull();
    expect(completionContext('{{ $json }} $js', 15)).toBeNull();
  });

  test('a path after an operator starts at its own dollar sign', () => {
    expect(completionContext('{{ $json.a = $ev', 16)).toEqual({ prefix: '$ev', start: 13 });
  });

  test('applying a completion replaces the typed prefix and moves the caret after it', () => {
    expect(applyCompletion('{{ $json.bo }}', 3, 11, '$json.body')).toEqual({
      text: '{{ $json.body }}',
      caret: 13,
    });
  });
});
