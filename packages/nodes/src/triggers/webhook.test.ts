import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { webhookTrigger } from './webhook.js';

const parse = (config: unknown) => webhookTrigger.config.safeParse(config);

describe('webhook trigger', () => {
  it('fills in POST, no auth, an async answer and a 10 s response timeout', () => {
    expect(webhookTrigger.config.parse({ path: 'orders' })).toEqual({
      path: 'orders',
      method: 'POST',
      auth: { type: 'none' },
      responseMode: 'async',
      responseTimeoutMs: 10_000,
    });
  });

  const CREDENTIAL = '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60';

  it('takes header, basic and the signature schemes as a credential reference alone', () => {
    for (const type of ['header', 'basic', 'standard-webhooks', 'stripe', 'github']) {
      expect(webhookTrigger.config.parse({ path: 'x', auth: { type, credential: CREDENTIAL } }).auth).toEqual(
        {
          type,
          credential: CREDENTIAL,
        },
      );
    }
  });

  it('fills in header, SHA-256, hex and no prefix for HMAC auth', () => {
    const config = webhookTrigger.config.parse({ path: 'x', auth: { type: 'hmac', credential: CREDENTIAL } });
    expect(config.auth).toEqual({
      type: 'hmac',
      credential: CREDENTIAL,
      header: 'x-signature',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: '',
    });
  });

  it('refuses a secret written inline, in the shapes of old, and an auth without its credential', () => {
    for (const auth of [
      { type: 'header', name: 'x-token', value: 't0ken' },
      { type: 'header', credential: CREDENTIAL, value: 't0ken' },
      { type: 'basic', username: 'u', password: 'p' },
      { type: 'hmac', secret: 's' },
      { type: 'stripe', credential: CREDENTIAL, secret: 'whsec_x' },
      { type: 'github' },
      { type: 'standard-webhooks', credential: 'not-an-id' },
    ]) {
      expect(parse({ path: 'x', auth }).success, JSON.stringify(auth)).toBe(false);
    }
  });

  it('takes every webhook credential type, and for each auth only the one that fits it', () => {
    expect(webhookTrigger.credentialTypes).toEqual([
      'webhook.header',
      'webhook.basic',
      'webhook.hmac',
      'webhook.signing',
    ]);
    const typesFor = (auth: unknown) => webhookTrigger.credentialTypesFor({ path: 'x', auth });
    expect(typesFor({ type: 'header' })).toEqual(['webhook.header']);
    expect(typesFor({ type: 'basic' })).toEqual(['webhook.basic']);
    for (const type of ['hmac', 'stripe', 'github']) expect(typesFor({ type })).toEqual(['webhook.hmac']);
    expect(typesFor({ type: 'standard-webhooks' })).toEqual(['webhook.signing']);
    for (const auth of [{ type: 'none' }, undefined, 'header', { type: 'toString' }, { type: 7 }]) {
      expect(typesFor(auth)).toEqual([]);
    }
  });

  it('holds no secret of its own: nothing in its config is a secret field', () => {
    expect(webhookTrigger.secretFields).toEqual([]);
  });

  it.each(['orders', 'orders/created', 'a.b/c_d~e-f', 'v1/.well-known', 'x'.repeat(200)])(
    'accepts the path %j',
    (path) => {
      expect(parse({ path }).success).toBe(true);
    },
  );

  it.each([
    '',
    '/orders',
    'orders/',
    'a//b',
    '..',
    '../x',
    'a/../b',
    'a..b',
    '.',
    'a/./b',
    'a/.',
    'a b',
    'a?b',
    'a%2fb',
    'x'.repeat(201),
  ])('refuses the path %j', (path) => {
    expect(parse({ path }).success).toBe(false);
  });

  it('refuses a response timeout above 60 s', () => {
    expect(parse({ path: 'x', responseTimeoutMs: 60_000 }).success).toBe(true);
    expect(parse({ path: 'x', responseTimeoutMs: 60_001 }).success).toBe(false);
  });

  it('refuses fields of another auth type and a header name with a space', () => {
    expect(parse({ path: 'x', auth: { type: 'none', credential: CREDENTIAL } }).success).toBe(false);
    expect(
      parse({ path: 'x', auth: { type: 'github', credential: CREDENTIAL, prefix: 'sha256=' } }).success,
    ).toBe(false);
    expect(
      parse({ path: 'x', auth: { type: 'hmac', credential: CREDENTIAL, header: 'bad name' } }).success,
    ).toBe(false);
  });

  it('is a trigger: no inputs, no run, no error port', () => {
    expect(webhookTrigger.category).toBe('trigger');
    expect(webhookTrigger.inputs).toEqual([]);
    expect(webhookTrigger.run).toBeUndefined();
    expect(webhookTrigger.canFail).toBe(false);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(webhookTrigger.config, { io: 'input' })).toMatchSnapshot();
  });
});

describe('webhook trigger sample', () => {
  it('is a JSON request to its path with its method, shaped as the webhook emits it', () => {
    expect(webhookTrigger.sample?.({ path: 'orders/created', method: 'PUT' })).toEqual({
      body: { email: 'ada@example.com', plan: 'pro' },
      headers: { 'content-type': 'application/json' },
      query: {},
      method: 'PUT',
      path: 'orders/created',
    });
  });

  it('is a POST when the trigger accepts any method or names none, with an empty path until one is set', () => {
    expect(webhookTrigger.sample?.({ method: 'ANY' })).toMatchObject({ method: 'POST', path: '' });
    expect(webhookTrigger.sample?.({})).toMatchObject({ method: 'POST', path: '' });
  });

  it('never throws on a partial or invalid config', () => {
    for (const config of [{ path: 42, method: null }, { auth: 'x' }, { path: ['a'], method: {} }]) {
      expect(webhookTrigger.sample?.(config)).toMatchObject({ method: 'POST', path: '' });
    }
  });
});

describe('webhook trigger auth of old, secret inline', () => {
  const ID = '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60';
  const found = (auth: unknown) => webhookTrigger.inlineSecret?.({ path: 'orders', method: 'PUT', auth });

  it('is recognised with the credential its secret belongs in, the rest of the config kept', () => {
    const header = found({ type: 'header', name: 'X-Token', value: 't0ken' });
    expect(header).toMatchObject({
      field: 'auth',
      credentialType: 'webhook.header',
      data: { name: 'X-Token', value: 't0ken' },
    });
    expect(header?.withCredential(ID)).toEqual({
      path: 'orders',
      method: 'PUT',
      auth: { type: 'header', credential: ID },
    });
    expect(found({ type: 'header', value: 't0ken' })?.data).toEqual({
      name: 'x-webhook-token',
      value: 't0ken',
    });
    const basic = found({ type: 'basic', username: 'shop', password: 'pa:ss' });
    expect(basic).toMatchObject({
      credentialType: 'webhook.basic',
      data: { username: 'shop', password: 'pa:ss' },
    });
    expect(basic?.withCredential(ID).auth).toEqual({ type: 'basic', credential: ID });
  });

  it('keeps the HMAC options it had and drops only the secret', () => {
    const hmac = found({ type: 'hmac', secret: 's3cret', header: 'X-Hub-Signature-256', prefix: 'sha256=' });
    expect(hmac).toMatchObject({ credentialType: 'webhook.hmac', data: { secret: 's3cret' } });
    const config = hmac?.withCredential(ID) ?? {};
    expect(config.auth).toEqual({
      type: 'hmac',
      credential: ID,
      header: 'X-Hub-Signature-256',
      prefix: 'sha256=',
    });
    expect(webhookTrigger.config.parse(config).auth).toMatchObject({ algorithm: 'sha256', encoding: 'hex' });
  });

  it('is not found in the shapes of now, nor in anything else', () => {
    for (const auth of [
      { type: 'none' },
      { type: 'header', credential: ID },
      { type: 'hmac', credential: ID, secret: 'x' },
      undefined,
      'header',
      [{ type: 'header', value: 'x' }],
    ]) {
      expect(found(auth)).toBeUndefined();
    }
  });
});
