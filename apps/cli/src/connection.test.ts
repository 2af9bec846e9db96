import { describe, expect, test } from 'vitest';
import { DEFAULT_URL, resolveConnection } from './connection.js';
import type { CliEnv } from './env.js';
import { UsageError } from './errors.js';

const env = (over: Partial<CliEnv> = {}): CliEnv => ({
  url: undefined,
  key: undefined,
  profile: undefined,
  noColor: false,
  forceColor: false,
  ...over,
});
const config = {
  defaultProfile: 'dev',
  profiles: {
    dev: { url: 'http://dev.example', key: 'dev-key' },
    prod: { url: 'https://prod.example/', key: 'prod-key' },
  },
};

describe('resolveConnection', () => {
  test('flags, then --profile, then the environment, then TRIBUTARY_PROFILE or the default profile', () => {
    expect(resolveConnection({}, env(), { profiles: {} })).toEqual({
      url: DEFAULT_URL,
      key: undefined,
      profile: undefined,
    });
    expect(resolveConnection({}, env(), config)).toEqual({
      url: 'http://dev.example',
      key: 'dev-key',
      profile: 'dev',
    });
    expect(resolveConnection({}, env({ url: 'http://env.example', key: 'env-key' }), config)).toMatchObject({
      url: 'http://env.example',
      key: 'env-key',
    });
    expect(resolveConnection({ profile: 'prod' }, env({ url: 'http://env.example' }), config)).toEqual({
      url: 'https://prod.example',
      key: 'prod-key',
      profile: 'prod',
    });
    expect(resolveConnection({ profile: 'prod', key: 'flag-key' }, env(), config).key).toBe('flag-key');
    expect(resolveConnection({}, env({ profile: 'prod' }), config).url).toBe('https://prod.example');
  });

  test('an unknown profile or a URL that is not http(s) is a usage error', () => {
    expect(() => resolveConnection({ profile: 'nope' }, env(), config)).toThrow(UsageError);
    expect(() => resolveConnection({ url: 'ftp://x' }, env(), config)).toThrow(/http:\/\/ or https:\/\//);
    expect(() => resolveConnection({ url: 'not a url' }, env(), config)).toThrow(/is not a URL/);
  });
});
