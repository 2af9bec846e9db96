import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  AllowListError,
  allowListSchema,
  classifyAddress,
  embeddedIPv4,
  isAllowedHost,
  isBlockedAddress,
  isLoopbackName,
  parseAllowList,
  parseIpLiteral,
} from './address-policy.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fec0::1', 'private'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
  ])('classifies %s as %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '2606:4700:4700::1111',
    '2a00:1450:4001::200e',
  ])('classifies %s as public', (ip) => {
    expect(classifyAddress(ip)).toBe('public');
  });

  it('calls anything that is not an IP address invalid', () => {
    expect(classifyAddress('example.com')).toBe('invalid');
    expect(classifyAddress('')).toBe('invalid');
    expect(classifyAddress('999.1.1.1')).toBe('invalid');
  });
});

describe('IPv4 hidden in IPv6', () => {
  it.each([
    ['::ffff:127.0.0.1', 'loopback', 'IPv4-mapped, dotted'],
    ['::ffff:7f00:1', 'loopback', 'IPv4-mapped, hex'],
    ['::ffff:10.0.0.1', 'private', 'IPv4-mapped'],
    ['::ffff:169.254.169.254', 'metadata', 'IPv4-mapped'],
    ['::ffff:0:127.0.0.1', 'loopback', 'IPv4-translated (RFC 6145)'],
    ['::7f00:1', 'loopback', 'IPv4-compatible'],
    ['::127.0.0.1', 'loopback', 'IPv4-compatible, dotted'],
    ['::a9fe:a9fe', 'metadata', 'IPv4-compatible'],
    ['64:ff9b::127.0.0.1', 'loopback', 'NAT64 well-known prefix'],
    ['64:ff9b::a00:1', 'private', 'NAT64 well-known prefix'],
    ['64:ff9b::a9fe:a9fe', 'metadata', 'NAT64 well-known prefix'],
    ['64:ff9b:1::808:808', 'private', 'NAT64 local-use prefix, refused whole'],
    ['2002:7f00:1::', 'loopback', '6to4'],
    ['2002:c0a8:101::1', 'private', '6to4'],
    ['2002:a9fe:a9fe::1', 'metadata', '6to4'],
    // client 127.0.0.1 is stored inverted: ~0x7f00 = 0x80ff, ~0x0001 = 0xfffe
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback', 'Teredo client'],
    ['2001:0:a00:1:8000:63bf:f7f7:f7f7', 'private', 'Teredo server'],
  ])('classifies %s as %s (%s)', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it.each(['::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '2001:0:4136:e378:8000:63bf:f7f7:f7f7'])(
    'lets %s through when the IPv4 inside is public',
    (ip) => {
      expect(classifyAddress(ip)).toBe('public');
    },
  );

  it('unwraps the Teredo client and server addresses', () => {
    // RFC 4380's example: server 65.54.227.120, client 192.0.2.45
    const parsed = parseIpLiteral('2001:0:4136:e378:8000:63bf:3fff:fdd2');
    if (!(parsed instanceof ipaddr.IPv6)) throw new Error('expected an IPv6 address');
    expect(embeddedIPv4(parsed).map(String)).toEqual(['192.0.2.45', '65.54.227.120']);
  });
});

describe('parseIpLiteral', () => {
  it.each([
    ['127.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['127.0.0.1.', '127.0.0.1'],
    ['[::1]', '::1'],
    ['[::ffff:7f00:1]', '::ffff:7f00:1'],
  ])('reads %s as %s', (spelling, canonical) => {
    expect(parseIpLiteral(spelling)?.toString()).toBe(canonical);
  });

  it.each(['127.1', '2130706433', '0x7f000001', '0177.0.0.1', '[::1]', '[::ffff:127.0.0.1]'])(
    'classifies the spelling %s as loopback',
    (spelling) => {
      expect(classifyAddress(spelling)).toBe('loopback');
    },
  );

  it('leaves host names alone', () => {
    expect(parseIpLiteral('example.com')).toBeUndefined();
    expect(parseIpLiteral('localhost')).toBeUndefined();
    expect(parseIpLiteral('1.2.3.4.example')).toBeUndefined();
  });
});

describe('the WHATWG URL parser', () => {
  it.each([
    ['http://127.1/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[::127.0.0.1]/', '[::7f00:1]'],
    ['http://LOCALHOST./', 'localhost.'],
  ])('normalises %s to the host %s', (url, host) => {
    expect(new URL(url).hostname).toBe(host);
  });
});

describe('allow-list', () => {
  it('parses host names, addresses and CIDR ranges', () => {
    const allow = parseAllowList(' 127.0.0.1 , ::1/128,10.0.0.0/8, Hooks.Internal. ,,');
    expect([...allow.hosts]).toEqual(['hooks.internal']);
    expect(allow.ranges.map(([addr, bits]) => `${addr}/${bits}`)).toEqual([
      '127.0.0.1/32',
      '::1/128',
      '10.0.0.0/8',
    ]);
  });

  it('treats an empty or missing setting as allowing nothing', () => {
    expect(parseAllowList('')).toEqual({ hosts: new Set(), ranges: [] });
    expect(parseAllowList(undefined)).toEqual({ hosts: new Set(), ranges: [] });
  });

  it('lets an address inside an allowed range through and nothing else', () => {
    const allow = parseAllowList('127.0.0.1,10.0.0.0/8');
    expect(isBlockedAddress('127.0.0.1', allow)).toBe(false);
    expect(isBlockedAddress('10.200.0.1', allow)).toBe(false);
    expect(isBlockedAddress('127.0.0.2', allow)).toBe(true);
    expect(isBlockedAddress('::1', allow)).toBe(true);
    expect(isBlockedAddress('192.168.0.1', allow)).toBe(true);
    expect(isBlockedAddress('169.254.169.254', allow)).toBe(true);
  });

  it('matches an IPv4-mapped address against an IPv4 range, but no other embedding', () => {
    const allow = parseAllowList('127.0.0.1');
    expect(isBlockedAddress('::ffff:127.0.0.1', allow)).toBe(false);
    expect(isBlockedAddress('64:ff9b::7f00:1', allow)).toBe(true);
    expect(isBlockedAddress('2002:7f00:1::', allow)).toBe(true);
  });

  it('blocks every non-public address by default and never a public one', () => {
    expect(isBlockedAddress('127.0.0.1')).toBe(true);
    expect(isBlockedAddress('not-an-ip')).toBe(true);
    expect(isBlockedAddress('8.8.8.8')).toBe(false);
  });

  it('matches allowed host names case-insensitively and exactly', () => {
    const allow = parseAllowList('hooks.internal');
    expect(isAllowedHost('HOOKS.internal.', allow)).toBe(true);
    expect(isAllowedHost('evil.hooks.internal', allow)).toBe(false);
    expect(isAllowedHost('hooks.internal.evil', allow)).toBe(false);
  });

  it('names every bad entry at once', () => {
    expect(() => parseAllowList('10.0.0.0/33,ok.example,bad host,::1/129,1.2.3.4/8/8,host:80')).toThrow(
      new AllowListError(['10.0.0.0/33', 'bad host', '::1/129', '1.2.3.4/8/8', 'host:80']),
    );
  });

  it('reports bad entries as schema issues for the settings module', () => {
    expect(allowListSchema.parse(undefined)).toEqual({ hosts: new Set(), ranges: [] });
    const result = allowListSchema.safeParse('10.0.0.0/99');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('"10.0.0.0/99"');
  });
});

describe('isLoopbackName', () => {
  it('knows localhost and everything under .localhost', () => {
    expect(isLoopbackName('localhost')).toBe(true);
    expect(isLoopbackName('LocalHost.')).toBe(true);
    expect(isLoopbackName('app.localhost')).toBe(true);
    expect(isLoopbackName('localhost.example.com')).toBe(false);
    expect(isLoopbackName('notlocalhost')).toBe(false);
  });
});
