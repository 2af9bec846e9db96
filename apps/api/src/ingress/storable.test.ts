// What Postgres can store, checked on the JSON text before it is parsed: nesting, NUL and lone surrogates.
import { BadRequestError } from '@tributary/flow';
import { describe, expect, test } from 'vitest';
import { checkStorableJson, MAX_JSON_DEPTH } from './storable.js';

/** The code of the BadRequestError the check throws, or undefined when the text passes. */
function refusal(text: string): string | undefined {
  try {
    checkStorableJson(text);
    return undefined;
  } catch (err) {
    if (!(err instanceof BadRequestError)) throw err;
    return err.code;
  }
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('checkStorableJson', () => {
  test.each([
    ['an ordinary object', '{"a":"b","c":[1,2,{"d":"e"}]}'],
    ['brackets and quotes-to-be inside strings (no escapes)', `{"a":"${'['.repeat(MAX_JSON_DEPTH + 5)}"}`],
    [
      'brackets inside strings with escapes elsewhere',
      `{"a":"${'{'.repeat(MAX_JSON_DEPTH + 5)}","b":"x\\"y"}`,
    ],
    ['an escaped quote and backslash', '{"a":"say \\"hi\\" \\\\"}'],
    ['text that only looks like a NUL escape', '{"a":"\\\\u0000"}'],
    ['a surrogate pair', '{"a":"\\ud83d\\ude00"}'],
    ['an empty string', '{"":""}'],
    ['nesting at the limit', nested(MAX_JSON_DEPTH)],
    ['more openings than the limit side by side, shallow', `[${'{},'.repeat(MAX_JSON_DEPTH * 2)}{}]`],
    ['an unterminated string (left to JSON.parse)', '{"a":"b'],
  ])('%s passes', (_name, text) => {
    expect(refusal(text)).toBeUndefined();
  });

  test.each([
    ['nesting past the limit', nested(MAX_JSON_DEPTH + 1), 'too_deep'],
    [
      'nesting past the limit after an escape-free string',
      `{"a":"x","b":${nested(MAX_JSON_DEPTH)}}`,
      'too_deep',
    ],
    ['a NUL escape', '{"a":"x\\u0000y"}', 'unstorable_payload'],
    [
      'a NUL escape after more openings than the limit',
      `[${'{},'.repeat(MAX_JSON_DEPTH * 2)}"\\u0000"]`,
      'unstorable_payload',
    ],
    ['a NUL escape in a key', '{"\\u0000":1}', 'unstorable_payload'],
    ['a lone high surrogate', '{"a":"\\ud800"}', 'unstorable_payload'],
    ['a lone low surrogate', '{"a":"\\udc00x"}', 'unstorable_payload'],
    ['a high surrogate before another escape', '{"a":"\\ud800\\n"}', 'unstorable_payload'],
  ])('%s is refused', (_name, text, code) => {
    expect(refusal(text)).toBe(code);
  });
});
