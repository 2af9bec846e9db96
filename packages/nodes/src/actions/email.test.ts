import { createServer, type Server, type Socket } from 'node:net';
import { FatalError, RetryableError } from '@tributary/flow';
import { type AddressObject, simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorOf, runAction, storedCredential } from '../../test/action-harness.js';
import { type SmtpPeer, startSmtpPeer } from '../../test/peers/smtp-peer.js';
import { HOOKS_TEST_CERT, HOOKS_TEST_KEY } from '../../test/peers/tls-fixture.js';
import { smtp } from '../credentials/service-types.js';
import { parseAllowList } from '../http/address-policy.js';
import { type HostResolver, resolveCheckedAddresses } from '../http/guarded-connector.js';
import { onlyObject } from '../logic/test-context.js';
import { sendSmtpMail } from '../smtp/transport.js';
import { email } from './email.js';

// Every test talks to a real SMTP server (smtp-server) on 127.0.0.1. The address policy is the real one:
// ctx.resolveAddress goes through resolveCheckedAddresses with an allow list each test chooses.

const CREDENTIAL_ID = '7a1c3f5e-0b2d-4e6f-8a9b-1c2d3e4f5a6b';
const PASSWORD = 'pa55-w0rd-that-must-never-show';
const USER = 'mailer';
// test names resolve to loopback; anything else does not resolve
const resolver: HostResolver = async (host) => (host.endsWith('.test') ? ['127.0.0.1'] : []);

let open: SmtpPeer;
let authed: SmtpPeer;

beforeAll(async () => {
  open = await startSmtpPeer({
    recipients: {
      'busy@example.com': { code: 451, message: '4.3.2 Try again later' },
      'nobody@example.com': { code: 550, message: '5.1.1 No such user' },
    },
  });
  authed = await startSmtpPeer({ auth: { username: USER, password: PASSWORD } });
});
afterAll(async () => {
  await Promise.all([open.close(), authed.close()]);
});
afterEach(() => {
  open.reset();
  authed.reset();
});

type SmtpData = z.input<typeof smtp.data>;

interface RunOptions {
  data?: Partial<SmtpData>;
  peer?: SmtpPeer;
  /** TRIBUTARY_HTTP_ALLOW as the engine would have it. */
  allow?: string;
  allowedHosts?: string[];
  idempotencyKey?: string;
  signal?: AbortSignal;
}

function credentialData(peer: SmtpPeer, data: Partial<SmtpData> = {}): z.output<typeof smtp.data> {
  return smtp.data.parse({
    host: peer.host,
    port: peer.port,
    secure: false,
    from: 'Shop <shop@example.com>',
    ...data,
  });
}

async function send(
  config: Record<string, unknown>,
  options: RunOptions = {},
): Promise<Record<string, unknown>> {
  const peer = options.peer ?? open;
  const allow = parseAllowList(options.allow ?? '127.0.0.1');
  const credential = storedCredential({
    id: CREDENTIAL_ID,
    name: 'Shop mail',
    type: 'smtp',
    data: credentialData(peer, options.data),
    allowedHosts: options.allowedHosts,
  });
  // the tests build configs the schema parses: runNode checks them
  const out = await runAction(email, config as z.input<typeof email.config>, {
    credential,
    resolveAddress: async (host) => {
      const [address] = await resolveCheckedAddresses(host, allow, resolver);
      if (address === undefined) throw new Error(`no address for ${host}`);
      return address;
    },
    idempotencyKey: options.idempotencyKey,
    signal: options.signal,
  });
  return onlyObject(out);
}

const fails = (config: Record<string, unknown>, options: RunOptions = {}) => errorOf(send(config, options));

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  return [field ?? []].flat().flatMap((obj) => obj.value.map((v) => `${v.name} <${v.address}>`));
}

const base = {
  credential: CREDENTIAL_ID,
  to: 'ada@example.com',
  subject: 'Hello',
  text: 'Hi there',
};

describe('action.email', () => {
  it('delivers a message with its envelope, headers and both body parts', async () => {
    const out = await send({
      credential: CREDENTIAL_ID,
      to: 'Ada Lovelace <ada@example.com>, bob@example.com',
      cc: ['Carol <carol@example.com>'],
      bcc: 'hidden@example.com',
      replyTo: 'Support <support@example.com>',
      subject: 'Your order №42 — shipped',
      text: 'Plain words',
      html: '<p>Rich <b>words</b></p>',
      headers: { 'X-Campaign': 'autumn' },
    });
    expect(out).toMatchObject({
      accepted: ['ada@example.com', 'bob@example.com', 'carol@example.com', 'hidden@example.com'],
      rejected: [],
    });
    expect(String(out.response)).toContain('peer-1');

    const [mail, ...others] = open.messages;
    expect(others).toEqual([]);
    if (!mail) throw new Error('the peer got no message');
    expect(mail.from).toBe('shop@example.com');
    expect(mail.to).toEqual([
      'ada@example.com',
      'bob@example.com',
      'carol@example.com',
      'hidden@example.com',
    ]);

    const parsed = await simpleParser(mail.raw);
    expect(addresses(parsed.from)).toEqual(['Shop <shop@example.com>']);
    expect(addresses(parsed.to)).toEqual(['Ada Lovelace <ada@example.com>', ' <bob@example.com>']);
    expect(addresses(parsed.cc)).toEqual(['Carol <carol@example.com>']);
    expect(addresses(parsed.replyTo)).toEqual(['Support <support@example.com>']);
    expect(parsed.subject).toBe('Your order №42 — shipped');
    expect(parsed.text?.trim()).toBe('Plain words');
    expect(parsed.html).toBe('<p>Rich <b>words</b></p>');
    expect(parsed.headers.get('x-campaign')).toBe('autumn');
    expect(parsed.messageId).toBe(out.messageId);
    // Bcc travels in the envelope only
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(mail.raw.toString('latin1')).not.toContain('hidden@example.com');
  });

  it('gives every attempt of a step the same Message-ID, and another step another one', async () => {
    const first = await send(base, { idempotencyKey: 'step-7' });
    const again = await send(base, { idempotencyKey: 'step-7' });
    const other = await send(base, { idempotencyKey: 'step-8' });
    expect(first.messageId).toMatch(/^<[0-9a-f]{32}@example\.com>$/);
    expect(again.messageId).toBe(first.messageId);
    expect(other.messageId).not.toBe(first.messageId);
    expect(open.messages).toHaveLength(3);
  });

  it('logs in with the credential when the server requires it', async () => {
    await send(base, { peer: authed, data: { username: USER, password: PASSWORD } });
    expect(authed.logins).toEqual([{ username: USER, accepted: true }]);
    expect(authed.messages.map((m) => m.user)).toEqual([USER]);
  });

  it('fails fatally with smtp_auth on a wrong password, without the password in the message', async () => {
    const wrong = `${PASSWORD}-not`;
    const err = await fails(base, { peer: authed, data: { username: USER, password: wrong } });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'smtp_auth' });
    expect(err.message).toContain('535');
    expect(err.message).not.toContain(wrong);
    expect(authed.logins).toEqual([{ username: USER, accepted: false }]);
    expect(authed.messages).toEqual([]);
  });

  it('fails fatally with smtp_auth when the server requires a login the credential lacks', async () => {
    const err = await fails(base, { peer: authed });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'smtp_auth' });
    expect(authed.messages).toEqual([]);
  });

  it('retries a 451 reply', async () => {
    const err = await fails({ ...base, to: 'busy@example.com' });
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'smtp_4xx' });
    expect(err.message).toContain('451');
    expect(open.messages).toEqual([]);
  });

  it('fails fatally on a 550 reply', async () => {
    const err = await fails({ ...base, to: 'nobody@example.com' });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'smtp_5xx' });
    expect(err.message).toContain('550 5.1.1 No such user');
  });

  it('sends to the recipients the server takes and reports the ones it refuses', async () => {
    const out = await send({ ...base, to: ['ada@example.com', 'nobody@example.com'] });
    expect(out).toMatchObject({ accepted: ['ada@example.com'], rejected: ['nobody@example.com'] });
    expect(open.messages.map((m) => m.to)).toEqual([['ada@example.com']]);
  });

  it('refuses a loopback server under the default policy, before connecting', async () => {
    const before = open.connections;
    const err = await fails(base, { allow: '' });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
    expect(open.connections).toBe(before);
  });

  it('refuses a name that resolves to loopback under the default policy', async () => {
    const before = open.connections;
    const err = await fails(base, { allow: '', data: { host: 'mail.test' } });
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
    expect(open.connections).toBe(before);
  });

  it('dials the checked address of a name the policy allows', async () => {
    await send(base, { allow: '127.0.0.1', data: { host: 'mail.test' } });
    expect(open.messages).toHaveLength(1);
  });

  it('refuses a host outside the credential’s allowed hosts, before connecting', async () => {
    const before = open.connections;
    const err = await fails(base, { allowedHosts: ['smtp.example.com'] });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'host_not_allowed' });
    expect(open.connections).toBe(before);
    await send(base, { allowedHosts: ['*.test'], data: { host: 'mail.test' } });
    expect(open.messages).toHaveLength(1);
  });

  it('retries when the server refuses the connection', async () => {
    const port = await closedPort();
    const err = await fails(base, { data: { port } });
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'network_error' });
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('closes the connection when the step is aborted', async () => {
    const silent = await startSilentServer();
    try {
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 200);
      const err = await fails(base, { data: { port: silent.port }, signal: controller.signal });
      expect(err).toBeInstanceOf(RetryableError);
      expect(err).toMatchObject({ code: 'aborted' });
      // well before the 10 s greeting limit
      expect(Date.now() - started).toBeLessThan(5_000);
      await expect.poll(() => silent.open(), { timeout: 2_000 }).toBe(0);
    } finally {
      await silent.close();
    }
  });

  it('fails with invalid_credential when the credential’s sender is not one address', async () => {
    const err = await fails(base, { data: { from: 'not an address' } });
    expect(err).toMatchObject({ code: 'invalid_credential' });
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(email.config, { io: 'input' })).toMatchSnapshot();
  });
});

describe('action.email config', () => {
  const problems = (config: Record<string, unknown>) => {
    const result = email.config.safeParse(config);
    if (result.success) throw new Error('expected the config to be refused');
    return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('takes a string of comma-separated addresses or an array of addresses', () => {
    const one = email.config.parse({ ...base, to: 'a@example.com, "Smith, J" <j@example.com>' });
    const two = email.config.parse({ ...base, to: ['a@example.com', 'Smith, J <j@example.com>'] });
    expect(one.to).toEqual([
      { name: '', address: 'a@example.com' },
      { name: 'Smith, J', address: 'j@example.com' },
    ]);
    expect(two.to).toEqual([
      { name: '', address: 'a@example.com' },
      { name: 'Smith, J', address: 'j@example.com' },
    ]);
  });

  it.each([
    ['no @', 'ada.example.com', 'is not an e-mail address'],
    ['two @', 'ada@@example.com', 'invalid part before the @'],
    ['no dot in the domain', 'ada@localhost', 'invalid domain'],
    ['a domain literal', 'ada@[127.0.0.1]', 'invalid domain'],
    ['a space in the address', 'ada lovelace@example.com', 'write a name as "Name <address>"'],
    ['a line break', 'ada@example.com\r\nBcc: eve@example.com', 'must not contain line breaks'],
    ['an address posing as the name', 'boss@example.com <eve@evil.example>', 'must not contain @'],
    ['an encoded-word name', '=?utf-8?q?boss=40example.com?= <eve@evil.example>', 'encoded words'],
    ['a group', 'team: a@example.com, b@example.com;', 'groups'],
    ['a bare name', 'Ada Lovelace', 'is not an e-mail address'],
    ['nothing', ' ', 'at least one address'],
  ])('refuses %s', (_why, to, message) => {
    expect(problems({ ...base, to }).join('\n')).toContain(message);
  });

  it('refuses two addresses in one array entry, pointing at the entry', () => {
    expect(problems({ ...base, cc: ['a@example.com', 'b@example.com, c@example.com'] })).toEqual([
      'cc.1: give one address per entry',
    ]);
  });

  it('refuses more than 100 recipients in a field', () => {
    const many = Array.from({ length: 101 }, (_, i) => `user${i}@example.com`).join(', ');
    expect(problems({ ...base, bcc: many })).toEqual(['bcc: at most 100 addresses']);
  });

  it('refuses a subject with a line break or over 998 characters', () => {
    expect(problems({ ...base, subject: 'Hi\r\nBcc: eve@example.com' })).toEqual([
      'subject: must not contain line breaks',
    ]);
    expect(problems({ ...base, subject: 'x'.repeat(999) })[0]).toMatch(/^subject: /);
    expect(email.config.safeParse({ ...base, subject: 'x'.repeat(998) }).success).toBe(true);
  });

  it('wants a text or an html body', () => {
    const { text: _text, ...noBody } = base;
    expect(problems(noBody)).toEqual(['text: give a text body, an html body or both']);
    expect(problems({ ...noBody, text: '' })).toEqual(['text: give a text body, an html body or both']);
    expect(email.config.safeParse({ ...noBody, html: '<p>hi</p>' }).success).toBe(true);
  });

  it('refuses headers the node sets itself and header values with line breaks', () => {
    expect(problems({ ...base, headers: { Bcc: 'eve@example.com' } }).join('\n')).toContain(
      'set from the node’s own fields',
    );
    expect(problems({ ...base, headers: { 'X-Note': 'a\r\nBcc: eve@example.com' } })).toEqual([
      'headers.X-Note: must not contain line breaks',
    ]);
    expect(problems({ ...base, headers: { 'X Note': 'a' } }).join('\n')).toContain('header names');
  });

  it('needs a credential', () => {
    const { credential: _credential, ...rest } = base;
    expect(problems(rest)).toEqual(['credential: choose a credential']);
  });
});

describe('smtp credential test', () => {
  const check = (
    data: z.output<typeof smtp.data>,
    allow = '127.0.0.1',
    signal = AbortSignal.timeout(15_000),
  ) => {
    if (!smtp.test) throw new Error('the smtp credential has no test');
    const policy = parseAllowList(allow);
    return smtp.test(data, {
      http: { request: () => Promise.reject(new Error('the SMTP check makes no HTTP calls')) },
      signal,
      checkAddress: async (host) => {
        const [address] = await resolveCheckedAddresses(host, policy, resolver);
        if (address === undefined) throw new Error(`no address for ${host}`);
        return address;
      },
    });
  };

  it('connects and logs in without sending', async () => {
    const result = await check(credentialData(authed, { username: USER, password: PASSWORD }));
    expect(result).toEqual({ ok: true, message: `connected to 127.0.0.1:${authed.port} and logged in` });
    expect(authed.logins).toEqual([{ username: USER, accepted: true }]);
    expect(authed.messages).toEqual([]);
  });

  it('connects to a server that needs no login', async () => {
    expect(await check(credentialData(open))).toEqual({
      ok: true,
      message: `connected to 127.0.0.1:${open.port}`,
    });
  });

  it('reports a wrong password without the password', async () => {
    const wrong = `${PASSWORD}-not`;
    const result = await check(credentialData(authed, { username: USER, password: wrong }));
    expect(result.ok).toBe(false);
    expect(result.message).toContain('refused the login');
    expect(result.message).not.toContain(wrong);
  });

  it('gives up at once when the check is aborted', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const result = await check(
        credentialData(open, { port: silent.port }),
        '127.0.0.1',
        AbortSignal.timeout(200),
      );
      expect(result).toEqual({ ok: false, message: `SMTP check of 127.0.0.1:${silent.port} aborted` });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await silent.close();
    }
  });

  it('refuses a loopback server under the default policy, before connecting', async () => {
    const before = authed.connections;
    const result = await check(credentialData(authed, { username: USER, password: PASSWORD }), '');
    expect(result.ok).toBe(false);
    expect(result.message).toContain('Refusing to connect');
    expect(authed.connections).toBe(before);
  });
});

describe('action.email over TLS', () => {
  let tlsPeer: SmtpPeer;
  beforeAll(async () => {
    tlsPeer = await startSmtpPeer({ tls: { key: HOOKS_TEST_KEY, cert: HOOKS_TEST_CERT } });
  });
  afterAll(async () => {
    await tlsPeer.close();
  });
  afterEach(() => {
    tlsPeer.reset();
  });
  const server = (host: string) => ({ host, port: tlsPeer.port, secure: true });

  it('dials the checked address but checks the certificate against the host name', async () => {
    await sendSmtpMail(
      server('hooks.test'),
      { address: '127.0.0.1', ca: [HOOKS_TEST_CERT] },
      { from: 'shop@example.com', to: 'ada@example.com', subject: 'TLS', text: 'over TLS' },
      new AbortController().signal,
    );
    expect(tlsPeer.servernames).toEqual(['hooks.test']);
    expect(tlsPeer.messages.map((m) => [m.secure, m.to])).toEqual([[true, ['ada@example.com']]]);
  });

  it('refuses a certificate for another name', async () => {
    const err = await sendSmtpMail(
      server('other.test'),
      { address: '127.0.0.1', ca: [HOOKS_TEST_CERT] },
      { from: 'shop@example.com', to: 'ada@example.com', subject: 'TLS', text: 'over TLS' },
      new AbortController().signal,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'smtp_tls' });
    expect(tlsPeer.messages).toEqual([]);
  });

  it('checks the certificate against the host name after STARTTLS too', async () => {
    const starttls = await startSmtpPeer({
      tls: { key: HOOKS_TEST_KEY, cert: HOOKS_TEST_CERT, starttls: true },
    });
    try {
      const mail = { from: 'shop@example.com', to: 'ada@example.com', subject: 'STARTTLS', text: 'upgraded' };
      const dial = { address: '127.0.0.1', ca: [HOOKS_TEST_CERT] };
      const signal = new AbortController().signal;
      await sendSmtpMail({ host: 'hooks.test', port: starttls.port, secure: false }, dial, mail, signal);
      const err = await sendSmtpMail(
        { host: 'other.test', port: starttls.port, secure: false },
        dial,
        mail,
        signal,
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'smtp_tls' });
      expect(starttls.servernames).toEqual(['hooks.test', 'other.test']);
      expect(starttls.messages.map((m) => m.secure)).toEqual([true]);
    } finally {
      await starttls.close();
    }
  });

  it('refuses, from the node, a certificate no trusted CA signed', async () => {
    const err = await fails(base, { peer: tlsPeer, data: { host: 'hooks.test', secure: true } });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'smtp_tls' });
    expect(tlsPeer.servernames).toEqual(['hooks.test']);
    expect(tlsPeer.messages).toEqual([]);
  });
});

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no TCP address'));
      else resolve(address.port);
    });
  });
}

/** A TCP server that accepts and never greets, as a hung SMTP server would. */
async function startSilentServer(): Promise<{ port: number; open(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {
      // the client going away is what the test waits for
    });
  });
  const port = await listen(server);
  return {
    port,
    open: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
