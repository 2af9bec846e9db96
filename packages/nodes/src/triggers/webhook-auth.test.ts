import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WebhookTriggerConfig } from './webhook.js';
import { webhookTrigger } from './webhook.js';
import { verifyWebhookAuth } from './webhook-auth.js';
import type { WebhookHeaders } from './webhook-compare.js';

const CREDENTIAL = '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60';
const NOW = Date.parse('2026-03-01T12:00:00Z');

/** The auth settings as the engine sees them: parsed, defaults filled in. */
function authOf(auth: object): WebhookTriggerConfig['auth'] {
  return webhookTrigger.config.parse({ path: 'x', auth: { credential: CREDENTIAL, ...auth } }).auth;
}

/** Verifies with the credential data `data`, as the ingress does after opening the credential. */
function verify(
  auth: WebhookTriggerConfig['auth'],
  data: Record<string, unknown> | undefined,
  headers: WebhookHeaders,
  raw: Uint8Array,
) {
  return verifyWebhookAuth(auth, data, headers, raw, NOW);
}

const body = new TextEncoder().encode('{"order":42}');
const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
const sign = (
  data: Uint8Array,
  secret: string,
  algorithm = 'sha256',
  encoding: 'hex' | 'base64' | 'base64url' = 'hex',
) => createHmac(algorithm, secret).update(data).digest(encoding);

describe('verifyWebhookAuth', () => {
  it('lets every request through without auth', () => {
    expect(verifyWebhookAuth({ type: 'none' }, undefined, {}, body, NOW)).toEqual({ ok: true });
  });

  describe('header', () => {
    const auth = authOf({ type: 'header' });
    const data = { name: 'x-webhook-token', value: 's3cret-token' };

    it('accepts the exact token', () => {
      expect(verify(auth, data, { 'x-webhook-token': 's3cret-token' }, body)).toEqual({ ok: true });
    });

    it.each(['s3cret-tokem', 's3cret', 's3cret-token-and-more', ''])('refuses the token %j', (value) => {
      expect(verify(auth, data, { 'x-webhook-token': value }, body)).toEqual({
        ok: false,
        reason: 'header "x-webhook-token" does not match',
      });
    });

    it('refuses a request without the header', () => {
      expect(verify(auth, data, { authorization: 's3cret-token' }, body)).toEqual({
        ok: false,
        reason: 'missing header "x-webhook-token"',
      });
    });

    it('does not take an Object.prototype member for a missing header', () => {
      expect(verify(auth, { name: 'constructor', value: 'v' }, {}, body)).toEqual({
        ok: false,
        reason: 'missing header "constructor"',
      });
    });

    it('finds a header configured in mixed case among lower-cased names', () => {
      const bearer = { name: 'Authorization', value: 'Bearer abc' };
      expect(verify(auth, bearer, { authorization: 'Bearer abc' }, body)).toEqual({ ok: true });
    });
  });

  describe('basic', () => {
    const auth = authOf({ type: 'basic' });
    const data = { username: 'shop', password: 'pa:ss:word' };

    it('accepts the right user name and a password with ":" in it', () => {
      expect(verify(auth, data, { authorization: basic('shop:pa:ss:word') }, body)).toEqual({
        ok: true,
      });
    });

    it('accepts the scheme name in any case', () => {
      const header = basic('shop:pa:ss:word').replace('Basic', 'bAsIc');
      expect(verify(auth, data, { authorization: header }, body)).toEqual({ ok: true });
    });

    it.each(['shop:pa:ss:wor', 'shop:pa:ss:word:', 'shop:', 'sho:pa:ss:word', 'shop', ''])(
      'refuses the credentials %j',
      (credentials) => {
        expect(verify(auth, data, { authorization: basic(credentials) }, body)).toMatchObject({
          ok: false,
        });
      },
    );

    it('accepts a non-ASCII password as UTF-8', () => {
      const unicode = { username: 'zoë', password: 'pässwörd' };
      expect(verify(auth, unicode, { authorization: basic('zoë:pässwörd') }, body)).toEqual({
        ok: true,
      });
    });

    it('refuses a missing authorization header, another scheme and malformed base64', () => {
      expect(verify(auth, data, {}, body)).toEqual({
        ok: false,
        reason: 'missing header "authorization"',
      });
      for (const authorization of ['Bearer c2hvcDpwYTpzczp3b3Jk', 'Basic', 'Basic sh*p', 'Basic a b']) {
        expect(verify(auth, data, { authorization }, body)).toEqual({
          ok: false,
          reason: 'authorization is not Basic credentials',
        });
      }
    });
  });

  describe('hmac', () => {
    const secret = 'whsec-1234';
    const data = { secret };
    const auth = authOf({ type: 'hmac' });

    it('accepts a SHA-256 hex signature of the raw body', () => {
      expect(verify(auth, data, { 'x-signature': sign(body, secret) }, body)).toEqual({ ok: true });
    });

    it('accepts the hex signature in upper case', () => {
      const upper = sign(body, secret).toUpperCase();
      expect(verify(auth, data, { 'x-signature': upper }, body)).toEqual({ ok: true });
    });

    it('signs the raw bytes, not a decoding of them', () => {
      const binary = new Uint8Array([0xff, 0xfe, 0x00, 0x80]);
      expect(verify(auth, data, { 'x-signature': sign(binary, secret) }, binary)).toEqual({ ok: true });
    });

    it('refuses a signature made with another secret or of another body', () => {
      const other = new TextEncoder().encode('{"order":43}');
      for (const signature of [sign(body, 'other'), sign(other, secret)]) {
        expect(verify(auth, data, { 'x-signature': signature }, body)).toEqual({
          ok: false,
          reason: 'signature in "x-signature" does not match',
        });
      }
    });

    it('refuses a signature of the wrong length without throwing', () => {
      const good = sign(body, secret);
      for (const signature of [good.slice(0, 62), `${good}00`, sign(body, secret, 'sha1'), '00']) {
        expect(verify(auth, data, { 'x-signature': signature }, body)).toMatchObject({ ok: false });
      }
    });

    it('refuses a signature that is not hex', () => {
      const notHex = `${sign(body, secret).slice(0, 63)}g`;
      for (const signature of [notHex, '', 'abc']) {
        expect(verify(auth, data, { 'x-signature': signature }, body)).toEqual({
          ok: false,
          reason: 'signature in "x-signature" is not hex',
        });
      }
    });

    it('refuses a request without the signature header', () => {
      expect(verify(auth, data, { 'x-signatures': sign(body, secret) }, body)).toEqual({
        ok: false,
        reason: 'missing header "x-signature"',
      });
    });

    describe('with a prefix', () => {
      const github = authOf({ type: 'hmac', header: 'X-Hub-Signature-256', prefix: 'sha256=' });

      it('accepts the prefixed signature GitHub sends', () => {
        const headers = { 'x-hub-signature-256': `sha256=${sign(body, secret)}` };
        expect(verify(github, data, headers, body)).toEqual({ ok: true });
      });

      it('refuses the signature without or with another prefix', () => {
        for (const signature of [sign(body, secret), `sha1=${sign(body, secret)}`, 'sha256']) {
          expect(verify(github, data, { 'x-hub-signature-256': signature }, body)).toEqual({
            ok: false,
            reason: 'signature in "x-hub-signature-256" does not start with "sha256="',
          });
        }
      });

      it('refuses a prefixed signature of the wrong secret', () => {
        const headers = { 'x-hub-signature-256': `sha256=${sign(body, 'wrong')}` };
        expect(verify(github, data, headers, body)).toMatchObject({ ok: false });
      });
    });

    it('accepts SHA-512 in base64, padded or URL-safe without padding', () => {
      const sha512 = authOf({ type: 'hmac', algorithm: 'sha512', encoding: 'base64' });
      for (const signature of [
        sign(body, secret, 'sha512', 'base64'),
        sign(body, secret, 'sha512', 'base64url'),
      ]) {
        expect(verify(sha512, data, { 'x-signature': signature }, body)).toEqual({ ok: true });
      }
      expect(verify(sha512, data, { 'x-signature': sign(body, secret, 'sha512') }, body)).toMatchObject({
        ok: false,
      });
    });

    it('accepts SHA-1 and refuses a SHA-256 signature in its place', () => {
      const sha1 = authOf({ type: 'hmac', algorithm: 'sha1' });
      expect(verify(sha1, data, { 'x-signature': sign(body, secret, 'sha1') }, body)).toEqual({
        ok: true,
      });
      expect(verify(sha1, data, { 'x-signature': sign(body, secret) }, body)).toMatchObject({
        ok: false,
      });
    });

    it('signs an empty body too', () => {
      const empty = new Uint8Array();
      expect(verify(auth, data, { 'x-signature': sign(empty, secret) }, empty)).toEqual({ ok: true });
      expect(verify(auth, data, { 'x-signature': sign(empty, secret) }, body)).toMatchObject({
        ok: false,
      });
    });
  });

  it('refuses, without throwing, when the credential data lacks what the auth needs', () => {
    const token = { 'x-webhook-token': 't', authorization: basic('u:p'), 'x-signature': '00' };
    for (const type of ['header', 'basic', 'hmac', 'standard-webhooks', 'stripe', 'github']) {
      for (const data of [undefined, {}, { name: 'x-webhook-token' }, { secret: '' }]) {
        expect(verify(authOf({ type }), data, token, body), `${type} ${JSON.stringify(data)}`).toMatchObject({
          ok: false,
          reason: expect.stringMatching(/^the credential has no/),
        });
      }
    }
  });
});
