// Standard Webhooks checked against signatures of the reference library (`standardwebhooks`), Stripe against
// its documented scheme computed here, GitHub against the example in its documentation.
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifyGithub, verifyStandardWebhooks, verifyStripe } from './signature-schemes.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const nowS = NOW / 1000;
const payload = '{"type":"invoice.paid","data":{"amount":4200,"note":"café"}}';
const body = new TextEncoder().encode(payload);

describe('Standard Webhooks', () => {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const data = { secret };

  /** Headers as a sender using the reference library sends them. */
  function signed(
    signingSecret: string,
    at: Date,
    id = 'msg_2mfbY8sBvmLk3H4nKQ9r',
    content = payload,
  ): Record<string, string> {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(signingSecret).sign(id, at, content),
    };
  }

  it('accepts a request the reference library signed', () => {
    const headers = signed(secret, new Date(NOW));
    expect(verifyStandardWebhooks(data, headers, body, NOW)).toEqual({ ok: true });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('checks the raw bytes: another body, id or secret is refused', () => {
    const reason = 'no signature in webhook-signature matches';
    const other = new TextEncoder().encode(payload.replace('4200', '4201'));
    expect(verifyStandardWebhooks(data, signed(secret, new Date(NOW)), other, NOW)).toEqual({
      ok: false,
      reason,
    });
    const wrongId = { ...signed(secret, new Date(NOW)), 'webhook-id': 'msg_other' };
    expect(verifyStandardWebhooks(data, wrongId, body, NOW)).toEqual({ ok: false, reason });
    const stranger = `whsec_${randomBytes(24).toString('base64')}`;
    expect(verifyStandardWebhooks(data, signed(stranger, new Date(NOW)), body, NOW)).toEqual({
      ok: false,
      reason,
    });
  });

  it('accepts any one of several signatures, as while a sender rotates its key', () => {
    const oldSecret = `whsec_${randomBytes(24).toString('base64')}`;
    const headers = signed(secret, new Date(NOW));
    const stale = signed(oldSecret, new Date(NOW))['webhook-signature'];
    const rotating = { ...headers, 'webhook-signature': `${stale} ${headers['webhook-signature']}` };
    expect(verifyStandardWebhooks(data, rotating, body, NOW)).toEqual({ ok: true });
    // with the old secret alone the first signature is the one that matches
    expect(verifyStandardWebhooks({ secret: oldSecret }, rotating, body, NOW)).toEqual({ ok: true });
    const onlyOld = { ...headers, 'webhook-signature': `${stale} v1a,${'A'.repeat(86)}==` };
    expect(verifyStandardWebhooks(data, onlyOld, body, NOW)).toMatchObject({ ok: false });
  });

  it('refuses a timestamp more than 5 minutes old or ahead, and takes one just inside', () => {
    for (const offsetS of [-301, 301, -3600, 86_400]) {
      const headers = signed(secret, new Date(NOW + offsetS * 1000));
      expect(verifyStandardWebhooks(data, headers, body, NOW), String(offsetS)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^webhook-timestamp: the timestamp is \d+ s (old|in the future)$/),
      });
    }
    for (const offsetS of [-300, 300]) {
      const headers = signed(secret, new Date(NOW + offsetS * 1000));
      expect(verifyStandardWebhooks(data, headers, body, NOW), String(offsetS)).toEqual({ ok: true });
    }
  });

  it('refuses a timestamp that is not Unix seconds even when the signature covers it', () => {
    const headers = signed(secret, new Date(NOW));
    for (const timestamp of [`${headers['webhook-timestamp']}.5`, '-1', '', 'soon', `${nowS}000000`]) {
      expect(
        verifyStandardWebhooks(data, { ...headers, 'webhook-timestamp': timestamp }, body, NOW),
      ).toMatchObject({
        ok: false,
      });
    }
  });

  it('refuses missing headers and a signature list with no v1 entry', () => {
    const headers = signed(secret, new Date(NOW));
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const { [name]: _gone, ...rest } = headers;
      expect(verifyStandardWebhooks(data, rest, body, NOW)).toEqual({
        ok: false,
        reason: 'missing header "webhook-id", "webhook-timestamp" or "webhook-signature"',
      });
    }
    const signature = headers['webhook-signature'] ?? '';
    for (const list of [signature.replace('v1,', 'v2,'), signature.replace('v1,', ''), 'v1,***']) {
      expect(verifyStandardWebhooks(data, { ...headers, 'webhook-signature': list }, body, NOW)).toEqual({
        ok: false,
        reason: 'webhook-signature has no v1 signature',
      });
    }
  });

  it('needs a "whsec_" secret', () => {
    const headers = signed(secret, new Date(NOW));
    for (const bad of [{ secret: secret.slice('whsec_'.length) }, { secret: 'whsec_' }, {}]) {
      expect(verifyStandardWebhooks(bad, headers, body, NOW)).toEqual({
        ok: false,
        reason: 'the credential has no "whsec_" signing secret',
      });
    }
  });
});

describe('Stripe', () => {
  const secret = 'whsec_test_5f2b8c0d9e1a4f7b';
  const data = { secret };
  /** Stripe's scheme: HMAC-SHA256, keyed with the secret's UTF-8 bytes, of "<t>.<raw body>", in hex. */
  const v1 = (t: number, key = secret, content = payload) =>
    createHmac('sha256', key).update(`${t}.${content}`, 'utf8').digest('hex');

  it('accepts t and a v1 signature of the body, with a v0 beside it', () => {
    const header = `t=${nowS},v1=${v1(nowS)},v0=${'0'.repeat(64)}`;
    expect(verifyStripe(data, { 'stripe-signature': header }, body, NOW)).toEqual({ ok: true });
  });

  it('accepts any of several v1 signatures, as while a secret is rolled', () => {
    const header = `t=${nowS},v1=${v1(nowS, 'whsec_rolled_away')},v1=${v1(nowS)}`;
    expect(verifyStripe(data, { 'stripe-signature': header }, body, NOW)).toEqual({ ok: true });
  });

  it('refuses a signature of another body, secret or timestamp, and a v0 alone', () => {
    const reason = 'no v1 signature in stripe-signature matches';
    for (const header of [
      `t=${nowS},v1=${v1(nowS, secret, '{}')}`,
      `t=${nowS},v1=${v1(nowS, 'whsec_other')}`,
      `t=${nowS},v1=${v1(nowS - 1)}`,
    ]) {
      expect(verifyStripe(data, { 'stripe-signature': header }, body, NOW)).toEqual({ ok: false, reason });
    }
    expect(verifyStripe(data, { 'stripe-signature': `t=${nowS},v0=${v1(nowS)}` }, body, NOW)).toEqual({
      ok: false,
      reason: 'stripe-signature has no v1 signature',
    });
  });

  it('refuses a timestamp more than 300 s either way, even with a good signature', () => {
    for (const t of [nowS - 301, nowS + 301]) {
      const header = `t=${t},v1=${v1(t)}`;
      expect(verifyStripe(data, { 'stripe-signature': header }, body, NOW)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^stripe-signature: the timestamp is 301 s/),
      });
    }
    for (const t of [nowS - 300, nowS + 300]) {
      expect(verifyStripe(data, { 'stripe-signature': `t=${t},v1=${v1(t)}` }, body, NOW)).toEqual({
        ok: true,
      });
    }
  });

  it('refuses a header without t, with two, or missing', () => {
    for (const header of [`v1=${v1(nowS)}`, `t=${nowS},t=${nowS},v1=${v1(nowS)}`]) {
      expect(verifyStripe(data, { 'stripe-signature': header }, body, NOW)).toEqual({
        ok: false,
        reason: 'stripe-signature needs exactly one t=',
      });
    }
    expect(verifyStripe(data, {}, body, NOW)).toEqual({
      ok: false,
      reason: 'missing header "stripe-signature"',
    });
  });
});

describe('GitHub', () => {
  it('accepts the example of GitHub’s documentation', () => {
    // docs.github.com "Validating webhook deliveries": secret, payload and the signature GitHub sends
    const headers = {
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    };
    const hello = new TextEncoder().encode('Hello, World!');
    expect(verifyGithub({ secret: "It's a Secret to Everybody" }, headers, hello)).toEqual({ ok: true });
    expect(verifyGithub({ secret: "It's a secret to everybody" }, headers, hello)).toEqual({
      ok: false,
      reason: 'x-hub-signature-256 does not match',
    });
  });

  it('refuses the SHA-1 header alone, another prefix and a signature that is not hex', () => {
    const data = { secret: 'gh-secret' };
    const hex = createHmac('sha256', 'gh-secret').update(body).digest('hex');
    expect(verifyGithub(data, { 'x-hub-signature': `sha1=${hex.slice(0, 40)}` }, body)).toEqual({
      ok: false,
      reason: 'missing header "x-hub-signature-256"',
    });
    expect(verifyGithub(data, { 'x-hub-signature-256': `sha1=${hex}` }, body)).toMatchObject({ ok: false });
    expect(verifyGithub(data, { 'x-hub-signature-256': `sha256=${hex}z` }, body)).toEqual({
      ok: false,
      reason: 'x-hub-signature-256 is not hex',
    });
    expect(verifyGithub(data, { 'x-hub-signature-256': `sha256=${hex}` }, body)).toEqual({ ok: true });
  });
});
