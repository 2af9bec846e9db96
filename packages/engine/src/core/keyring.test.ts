// AES-256-GCM sealing: round trip, binding to the row, tampering, unknown keys, key syntax.
import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { Keyring, KeyringError, keyIdOf, parseEncryptionKey } from './keyring.js';

describe('Keyring', () => {
  const key = randomBytes(32);
  const ring = new Keyring(key);

  test('opens what it sealed; the same text seals differently each time', () => {
    const a = ring.seal('{"token":"abc"}', 'credential:1:http.bearer');
    const b = ring.seal('{"token":"abc"}', 'credential:1:http.bearer');
    expect(a.data).not.toBe(b.data);
    expect(a.keyId).toBe(keyIdOf(key));
    expect(ring.open(a, 'credential:1:http.bearer')).toBe('{"token":"abc"}');
  });

  test('sealed data moved to another row or type, or changed by one bit, does not open', () => {
    const sealed = ring.seal('secret', 'credential:1:http.bearer');
    expect(() => ring.open(sealed, 'credential:2:http.bearer')).toThrow(KeyringError);
    expect(() => ring.open(sealed, 'credential:1:slack')).toThrow(KeyringError);
    const raw = Buffer.from(sealed.data, 'base64');
    raw[14] = (raw[14] ?? 0) ^ 1;
    expect(() => ring.open({ ...sealed, data: raw.toString('base64') }, 'credential:1:http.bearer')).toThrow(
      KeyringError,
    );
    expect(() => ring.open({ ...sealed, data: 'AAAA' }, 'credential:1:http.bearer')).toThrow(/truncated/);
  });

  test('an unknown key id is named in the error; previous keys open but never seal', () => {
    const older = randomBytes(32);
    const sealedBefore = new Keyring(older).seal('old', 'b');
    expect(() => ring.open(sealedBefore, 'b')).toThrow(new RegExp(keyIdOf(older)));
    const rolled = new Keyring(key, [older]);
    expect(rolled.open(sealedBefore, 'b')).toBe('old');
    expect(rolled.seal('new', 'b').keyId).toBe(keyIdOf(key));
  });

  test('keys are 64 hex digits or base64 of 32 bytes; anything else is refused', () => {
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64url'))).toEqual(key);
    for (const bad of ['', 'abc', randomBytes(16).toString('hex'), randomBytes(31).toString('base64')]) {
      expect(() => parseEncryptionKey(bad)).toThrow(/32 random bytes/);
    }
  });
});
