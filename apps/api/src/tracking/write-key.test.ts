// Reading the write key from Basic auth or the body.
import { describe, expect, test } from 'vitest';
import { writeKeyFromBody, writeKeyFromHeader } from './write-key.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('writeKeyFromHeader', () => {
  test('takes the Basic username as the key, with or without the colon and password', () => {
    expect(writeKeyFromHeader(`Basic ${b64('abc123:')}`)).toEqual({ kind: 'key', key: 'abc123' });
    expect(writeKeyFromHeader(`basic ${b64('abc123')}`)).toEqual({ kind: 'key', key: 'abc123' });
    expect(writeKeyFromHeader(`Basic ${b64('abc123:ignored')}`)).toEqual({ kind: 'key', key: 'abc123' });
  });

  test('no header or another scheme leaves the key to the body', () => {
    expect(writeKeyFromHeader(undefined)).toEqual({ kind: 'none' });
    expect(writeKeyFromHeader('Bearer token')).toEqual({ kind: 'none' });
  });

  test('a Basic header without a readable key is malformed', () => {
    expect(writeKeyFromHeader('Basic')).toEqual({ kind: 'malformed' });
    expect(writeKeyFromHeader('Basic !!!')).toEqual({ kind: 'malformed' });
    expect(writeKeyFromHeader(`Basic ${b64(':password')}`)).toEqual({ kind: 'malformed' });
  });
});

describe('writeKeyFromBody', () => {
  test('takes a non-empty string writeKey only', () => {
    expect(writeKeyFromBody({ writeKey: 'k' })).toEqual({ kind: 'key', key: 'k' });
    expect(writeKeyFromBody({ writeKey: '' })).toEqual({ kind: 'none' });
    expect(writeKeyFromBody({ writeKey: 42 })).toEqual({ kind: 'none' });
    expect(writeKeyFromBody({})).toEqual({ kind: 'none' });
  });
});
