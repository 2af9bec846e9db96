// Client throttling buckets: IPv4 per address, IPv4-mapped IPv6 as IPv4, IPv6 per /64 however it is written.
import { describe, expect, test } from 'vitest';
import { clientBucket, clientThrottleKey } from './client-key.js';

describe('client buckets', () => {
  test('an IPv4 address is its own bucket, also when written as IPv4-mapped IPv6', () => {
    expect(clientBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(clientBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientBucket('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(clientThrottleKey('203.0.113.7')).toBe('ip:203.0.113.7');
  });

  test('IPv6 addresses of one /64 share a bucket, however they are spelt; other /64s do not', () => {
    const bucket = clientBucket('2001:db8:0:1::1');
    expect(bucket).toBe('2001:db8:0:1::/64');
    for (const same of [
      '2001:0db8:0000:0001:0000:0000:0000:0002',
      '2001:DB8:0:1:ffff:ffff:ffff:ffff',
      '2001:db8::1:0:0:0:9',
      'fe80::1%eth0'.replace('fe80::1', '2001:db8:0:1::3'),
      '2001:db8:0:1::198.51.100.1',
    ]) {
      expect(clientBucket(same), same).toBe(bucket);
    }
    expect(clientBucket('2001:db8:0:2::1')).not.toBe(bucket);
    expect(clientBucket('::1')).toBe('0:0:0:0::/64');
    expect(clientBucket('::')).toBe('0:0:0:0::/64');
  });

  test('something that is no address (no connection known) stays itself, bounded', () => {
    expect(clientBucket('unknown')).toBe('unknown');
    expect(clientBucket('x'.repeat(500))).toHaveLength(64);
  });
});
