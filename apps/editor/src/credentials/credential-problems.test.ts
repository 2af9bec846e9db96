import { describe, expect, test } from 'vitest';
import { credentialProblems } from './credential-problems';

describe('credential problems on the form', () => {
  test('puts body, store and data problems next to their fields', () => {
    const sorted = credentialProblems(
      [
        { path: 'json.name', message: 'Too small: expected string to have >=1 characters' },
        { path: 'allowedHosts[1]', message: 'a host name such as "api.example.com"' },
        { path: 'json.allowedHosts.0', message: 'Too big' },
        { path: 'data.token', message: 'Invalid input: expected string, received undefined' },
        { path: 'json.data.scope', message: 'Too big' },
        { path: 'data.token', message: 'enter the secret itself' },
        { path: 'type', message: 'unknown credential type "x"' },
        { path: 'data', message: 'Unrecognized key' },
      ],
      ['api.example.com', 'https://bad.example.com'],
    );
    expect(sorted).toEqual({
      name: ['Too small: expected string to have >=1 characters'],
      allowedHosts: [
        '“https://bad.example.com”: a host name such as "api.example.com"',
        '“api.example.com”: Too big',
      ],
      data: {
        token: {
          __errors: ['Invalid input: expected string, received undefined', 'enter the secret itself'],
        },
        scope: { __errors: ['Too big'] },
      },
      general: ['unknown credential type "x"', 'Unrecognized key'],
    });
  });

  test('names no host when the index is beyond the hosts sent', () => {
    expect(credentialProblems([{ path: 'allowedHosts[3]', message: 'bad' }], []).allowedHosts).toEqual([
      'bad',
    ]);
  });
});
