import { describe, expect, test } from 'vitest';
import { parseTemplate, TemplateSyntaxError } from './template.js';

describe('parseTemplate', () => {
  test('a lone expression with surrounding whitespace is whole', () => {
    expect(parseTemplate('  {{ $json.a }} ')).toEqual({
      whole: true,
      parts: [
        { kind: 'text', text: '  ' },
        { kind: 'expression', source: '$json.a' },
        { kind: 'text', text: ' ' },
      ],
    });
  });

  test('text around or several expressions make a text template', () => {
    expect(parseTemplate('id={{ a }}').whole).toBe(false);
    expect(parseTemplate('{{ a }}{{ b }}').whole).toBe(false);
  });

  test('balances the braces of JSONata object constructors', () => {
    expect(parseTemplate('{{ {"a": {"b": 1}} }}').parts).toEqual([
      { kind: 'expression', source: '{"a": {"b": 1}}' },
    ]);
    expect(parseTemplate('{{{"a":1}}}').parts).toEqual([{ kind: 'expression', source: '{"a":1}' }]);
  });

  test('skips braces inside strings, backtick names and comments', () => {
    expect(parseTemplate('{{ "}}" & \'}}\' & `}}` /* }} */ }}').parts).toEqual([
      { kind: 'expression', source: '"}}" & \'}}\' & `}}` /* }} */' },
    ]);
  });

  test('reads \\{{ as a literal {{', () => {
    expect(parseTemplate('\\{{ not an expression }}')).toEqual({
      whole: false,
      parts: [{ kind: 'text', text: '{{ not an expression }}' }],
    });
  });

  test('refuses an unterminated or empty expression', () => {
    expect(() => parseTemplate('a {{ b')).toThrow(TemplateSyntaxError);
    expect(() => parseTemplate('a {{ b')).toThrow('"{{" at position 2 has no closing "}}"');
    expect(() => parseTemplate('{{  }}')).toThrow('empty expression');
  });
});
