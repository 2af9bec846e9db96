// Reading the client's address from X-Forwarded-For: only the entry the trusted proxy wrote, and only an address.
import { describe, expect, test } from 'vitest';
import { lastForwardedFor } from './client-address.js';

describe('the last X-Forwarded-For entry', () => {
  test('is the one the proxy wrote; what the client sent before it does not count', () => {
    expect(lastForwardedFor('203.0.113.7')).toBe('203.0.113.7');
    expect(lastForwardedFor('10.0.0.1, 192.0.2.5,203.0.113.7 ')).toBe('203.0.113.7');
    expect(lastForwardedFor('2001:db8::1')).toBe('2001:db8::1');
  });

  test('loses a port some proxies add', () => {
    expect(lastForwardedFor('203.0.113.7:4711')).toBe('203.0.113.7');
    expect(lastForwardedFor('[2001:db8::1]:4711')).toBe('2001:db8::1');
  });

  test('is not believed when it is no address, or missing', () => {
    for (const header of [
      undefined,
      '',
      ' , ',
      '203.0.113.7, unknown',
      'evil.example',
      '999.1.1.1',
      '[nope]:1',
    ]) {
      expect(lastForwardedFor(header), String(header)).toBeUndefined();
    }
  });
});
