import { FatalError, RetryableError } from '@tributary/flow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { actionHarness, errorOf, storedCredential } from '../../test/action-harness.js';
import {
  type HubSpotPeer,
  type HubSpotPeerOptions,
  startHubSpotPeer,
} from '../../test/peers/hubspot-peer.js';
import type { NodeCredential } from '../credentials/http-auth.js';
import type { NodeOutput } from '../define-node.js';
import { onlyObject } from '../logic/test-context.js';
import { crm } from './crm.js';

// The node runs against an in-memory HubSpot on 127.0.0.1, through the real guarded client.
const harness = actionHarness();
const CREDENTIAL_ID = '8d7f3c1e-5b2a-4c9d-9e8f-1a2b3c4d5e6f';
const TOKEN = 'pat-na1-7f1c2d3e-secret';

let peer: HubSpotPeer;

/** Replaces the test's peer with one started with these options. */
async function restart(options: HubSpotPeerOptions): Promise<void> {
  await peer.close();
  peer = await startHubSpotPeer({ token: TOKEN, ...options });
}

beforeEach(async () => {
  peer = await startHubSpotPeer({ token: TOKEN });
});
afterEach(() => peer.close());

function credential(
  data: Record<string, unknown> = { accessToken: TOKEN },
  type = 'hubspot',
  allowedHosts: string[] = [],
): NodeCredential {
  return storedCredential({ id: CREDENTIAL_ID, name: 'hubspot', type, data, allowedHosts });
}

interface RunOptions {
  cred?: NodeCredential;
  idempotencyKey?: string;
  withBaseUrl?: boolean;
}

async function run(config: Record<string, unknown>, options: RunOptions = {}): Promise<NodeOutput> {
  const full = {
    credential: CREDENTIAL_ID,
    ...(options.withBaseUrl === false ? {} : { baseUrl: peer.url }),
    ...config,
  };
  // the tests build configs the schema parses: runNode checks them
  return harness.run(crm, full as z.input<typeof crm.config>, {
    idempotencyKey: options.idempotencyKey ?? 'step-1',
    credential: options.cred ?? credential(),
  });
}

async function item(config: Record<string, unknown>, options?: RunOptions): Promise<Record<string, unknown>> {
  return onlyObject(await run(config, options));
}

const fails = (config: Record<string, unknown>, options?: RunOptions) => errorOf(run(config, options));

function trail(): string[] {
  return peer.requests.map((r) => `${r.method} ${r.url}`);
}

function bodyOf(index: number): Record<string, unknown> {
  const req = peer.requests[index];
  if (!req) throw new Error(`no request #${index}`);
  return JSON.parse(req.body.toString('utf8'));
}

async function contact(email: string, properties: Record<string, unknown> = {}): Promise<string> {
  const out = await item({ operation: 'upsertContact', email, properties });
  return String(out.id);
}

describe('action.crm upsertContact', () => {
  it('creates a contact, then on the 409 of a second create updates it in place', async () => {
    const first = await item({
      operation: 'upsertContact',
      email: 'ada@example.com',
      properties: { firstname: 'Ada' },
    });
    expect(first).toMatchObject({
      created: true,
      properties: { email: 'ada@example.com', firstname: 'Ada' },
    });

    const second = await item({
      operation: 'upsertContact',
      email: 'Ada@Example.com',
      properties: { lastname: 'Lovelace', phone: 5550100 },
    });
    expect(second).toMatchObject({
      id: first.id,
      created: false,
      properties: { email: 'ada@example.com', firstname: 'Ada', lastname: 'Lovelace', phone: '5550100' },
    });
    expect(trail()).toEqual([
      'POST /crm/v3/objects/contacts',
      'POST /crm/v3/objects/contacts',
      `PATCH /crm/v3/objects/contacts/${first.id}`,
    ]);
    // the e-mail stays as the contact holds it
    expect(bodyOf(2)).toEqual({ properties: { lastname: 'Lovelace', phone: '5550100' } });
    expect(peer.records.contacts.size).toBe(1);
    expect(peer.records.contacts.get(String(first.id))?.properties).toMatchObject({
      email: 'ada@example.com',
      firstname: 'Ada',
      lastname: 'Lovelace',
      phone: '5550100',
    });
  });

  it('finds the contact by e-mail when the 409 does not name its id', async () => {
    const id = await contact('grace@example.com');
    peer.failNext({
      status: 409,
      body: { status: 'error', message: 'Contact already exists.', category: 'CONFLICT' },
    });
    const out = await item({
      operation: 'upsertContact',
      email: 'grace@example.com',
      properties: { city: 'NYC' },
    });
    expect(out).toMatchObject({ id, created: false, properties: { city: 'NYC' } });
    expect(trail().at(-1)).toBe('PATCH /crm/v3/objects/contacts/grace%40example.com?idProperty=email');
  });

  it('sends every property as the string HubSpot stores, the email field winning', async () => {
    await item({
      operation: 'upsertContact',
      email: 'lin@example.com',
      properties: { email: 'other@example.com', firstname: 'Lin', company: true },
    });
    expect(bodyOf(0)).toEqual({
      properties: { firstname: 'Lin', company: 'true', email: 'lin@example.com' },
    });
  });

  it('fails a 400 validation error with HubSpot’s message, not retried', async () => {
    const err = await fails({
      operation: 'upsertContact',
      email: 'ada@example.com',
      properties: { favourite_colour: 'blue' },
    });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'hubspot_invalid' });
    expect(err.message).toContain('HubSpot answered 400 to create contact (VALIDATION_ERROR)');
    expect(err.message).toContain('Property values were not valid');
    expect(err.message).toContain('Property \\"favourite_colour\\" does not exist');
    expect(peer.records.contacts.size).toBe(0);
  });
});

describe('action.crm updateContact', () => {
  it('updates a contact found by id', async () => {
    const id = await contact('ada@example.com', { firstname: 'Ada' });
    const out = await item({
      operation: 'updateContact',
      contactId: id,
      properties: { lifecyclestage: 'customer' },
    });
    expect(out).toMatchObject({ id, properties: { firstname: 'Ada', lifecyclestage: 'customer' } });
    expect(trail().at(-1)).toBe(`PATCH /crm/v3/objects/contacts/${id}`);
    expect(bodyOf(1)).toEqual({ properties: { lifecyclestage: 'customer' } });
  });

  it('updates a contact found by e-mail', async () => {
    const id = await contact('ada@example.com');
    const out = await item({
      operation: 'updateContact',
      email: 'ada@example.com',
      properties: { jobtitle: 'CTO' },
    });
    expect(out).toMatchObject({ id, properties: { jobtitle: 'CTO' } });
    expect(trail().at(-1)).toBe('PATCH /crm/v3/objects/contacts/ada%40example.com?idProperty=email');
    expect(peer.records.contacts.get(id)?.properties.jobtitle).toBe('CTO');
  });

  it('fails an unknown contact with HubSpot’s 404 message', async () => {
    const err = await fails({ operation: 'updateContact', contactId: 999, properties: { firstname: 'X' } });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'hubspot_not_found' });
    expect(err.message).toBe('HubSpot answered 404 to update contact (OBJECT_NOT_FOUND): resource not found');
  });

  it('takes exactly one of contactId and email, and at least one property', () => {
    const base = { operation: 'updateContact', credential: CREDENTIAL_ID, properties: { firstname: 'X' } };
    expect(crm.config.safeParse({ ...base, contactId: '1', email: 'a@b.c' }).success).toBe(false);
    expect(crm.config.safeParse(base).success).toBe(false);
    expect(crm.config.safeParse({ ...base, contactId: '1', properties: {} }).success).toBe(false);
    expect(crm.config.safeParse({ ...base, email: 'a@b.c' }).success).toBe(true);
  });
});

describe('action.crm createDeal', () => {
  it('creates a deal associated with a contact named by e-mail', async () => {
    const contactId = await contact('ada@example.com');
    const out = await item({
      operation: 'createDeal',
      properties: {
        dealname: 'Ada — annual plan',
        amount: 1500,
        dealstage: 'appointmentscheduled',
        pipeline: 'default',
      },
      contactEmail: 'ada@example.com',
    });
    expect(out).toMatchObject({
      properties: { dealname: 'Ada — annual plan', amount: '1500', dealstage: 'appointmentscheduled' },
    });
    expect(trail().slice(1)).toEqual([
      'GET /crm/v3/objects/contacts/ada%40example.com?idProperty=email&properties=email',
      'POST /crm/v3/objects/deals',
    ]);
    expect(bodyOf(2).associations).toEqual([
      { to: { id: contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }] },
    ]);
    expect(peer.associations).toEqual([
      expect.objectContaining({ fromType: 'deals', fromId: out.id, toType: 'contacts', toId: contactId }),
    ]);
  });

  it('associates a contact named by id without looking it up', async () => {
    const contactId = await contact('ada@example.com');
    const out = await item({ operation: 'createDeal', properties: { dealname: 'Renewal' }, contactId });
    expect(trail().slice(1)).toEqual(['POST /crm/v3/objects/deals']);
    expect(peer.associations).toEqual([
      expect.objectContaining({ fromId: out.id, toId: contactId, associationTypeId: 3 }),
    ]);
  });

  it('fails without creating a deal when no contact has the e-mail address', async () => {
    const err = await fails({
      operation: 'createDeal',
      properties: { dealname: 'Ghost' },
      contactEmail: 'nobody@example.com',
    });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'hubspot_contact_not_found' });
    expect(peer.records.deals.size).toBe(0);
  });

  it('finds the deal a previous attempt created through a unique idempotency property', async () => {
    await restart({ uniqueProperties: { deals: ['tributary_key'] } });
    const config = {
      operation: 'createDeal',
      properties: { dealname: 'Once only', amount: '99.5' },
      idempotencyProperty: 'tributary_key',
    };
    const first = await item(config, { idempotencyKey: 'step-7' });
    const again = await item(config, { idempotencyKey: 'step-7' });
    expect(again).toEqual({ id: first.id, properties: { dealname: 'Once only', amount: '99.5' } });
    expect(peer.records.deals.size).toBe(1);
    expect(peer.records.deals.get(String(first.id))?.properties.tributary_key).toBe('step-7');
    expect(trail()).toEqual([
      'GET /crm/v3/objects/deals/step-7?idProperty=tributary_key&properties=dealname%2Camount',
      'POST /crm/v3/objects/deals',
      'GET /crm/v3/objects/deals/step-7?idProperty=tributary_key&properties=dealname%2Camount',
    ]);
    // another step has another key: a deal of its own
    const other = await item(config, { idempotencyKey: 'step-8' });
    expect(other.id).not.toBe(first.id);
    expect(peer.records.deals.size).toBe(2);
  });
});

describe('action.crm addNote', () => {
  it('adds a note associated with a contact and a deal', async () => {
    const contactId = await contact('ada@example.com');
    const deal = await item({ operation: 'createDeal', properties: { dealname: 'Deal' } });
    const out = await item({
      operation: 'addNote',
      body: 'Called <b>Ada</b> about the renewal',
      contactEmail: 'ada@example.com',
      dealId: deal.id,
      timestamp: '2026-03-01T10:00:00Z',
    });
    expect(Object.keys(out)).toEqual(['id']);
    expect(bodyOf(peer.requests.length - 1)).toEqual({
      properties: {
        hs_note_body: 'Called <b>Ada</b> about the renewal',
        hs_timestamp: '2026-03-01T10:00:00Z',
      },
      associations: [
        {
          to: { id: contactId },
          types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }],
        },
        { to: { id: deal.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 214 }] },
      ],
    });
    expect(peer.associations.filter((a) => a.fromType === 'notes')).toEqual([
      expect.objectContaining({
        fromId: out.id,
        toType: 'contacts',
        toId: contactId,
        associationTypeId: 202,
      }),
      expect.objectContaining({ fromId: out.id, toType: 'deals', toId: deal.id, associationTypeId: 214 }),
    ]);
  });

  it('stamps the note with the time the step runs when no timestamp is given', async () => {
    const contactId = await contact('ada@example.com');
    const before = Date.now();
    const out = await item({ operation: 'addNote', body: 'Hello', contactId });
    const stamp = Date.parse(peer.records.notes.get(String(out.id))?.properties.hs_timestamp ?? '');
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(Date.now());
  });

  it('refuses a note that belongs to no record', () => {
    const parsed = crm.config.safeParse({ operation: 'addNote', credential: CREDENTIAL_ID, body: 'Lost' });
    expect(parsed.success).toBe(false);
  });
});

describe('action.crm errors', () => {
  it('fails a 429 of the rolling limit as retryable after HubSpot’s interval', async () => {
    await restart({ rateLimit: { max: 1, intervalMs: 7000 } });
    await contact('ada@example.com');
    const err = await fails({
      operation: 'updateContact',
      email: 'ada@example.com',
      properties: { city: 'X' },
    });
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'hubspot_rate_limited', retryAfterMs: 7000 });
    expect(err.message).toBe(
      'HubSpot answered 429 to update contact (TEN_SECONDLY_ROLLING): You have reached your ten_secondly_rolling limit.',
    );
  });

  it('prefers a Retry-After header, and waits ten seconds when HubSpot says nothing', async () => {
    const limited = {
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    };
    peer.failNext({ status: 429, body: limited, headers: { 'Retry-After': '3' } });
    expect(await fails({ operation: 'upsertContact', email: 'a@example.com' })).toMatchObject({
      retryAfterMs: 3000,
    });
    peer.failNext({ status: 429, body: limited });
    expect(await fails({ operation: 'upsertContact', email: 'a@example.com' })).toMatchObject({
      retryAfterMs: 10_000,
    });
  });

  it('fails the daily limit as fatal: it resets long after any retry', async () => {
    await restart({ dailyLimit: 1 });
    await contact('ada@example.com');
    const err = await fails({ operation: 'upsertContact', email: 'bob@example.com' });
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'hubspot_daily_limit' });
    expect(err.message).toContain('You have reached your daily limit.');
  });

  it('fails a 5xx as retryable', async () => {
    peer.failNext({ status: 503, body: '<html>Service Unavailable</html>' });
    const err = await fails({ operation: 'upsertContact', email: 'ada@example.com' });
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'hubspot_unavailable' });
    expect(err.message).toBe('HubSpot answered 503 to create contact: <html>Service Unavailable</html>');
  });

  it('fails an unknown token as fatal with HubSpot’s message', async () => {
    const err = await fails(
      { operation: 'upsertContact', email: 'ada@example.com' },
      { cred: credential({ accessToken: 'pat-na1-revoked' }) },
    );
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'hubspot_unauthorized' });
    expect(err.message).toContain('(INVALID_AUTHENTICATION): Authentication credentials not found.');
  });

  it('sends the token as a bearer token and keeps it out of every error, even when HubSpot echoes it', async () => {
    await contact('ada@example.com');
    expect(peer.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);

    peer.failNext({
      status: 400,
      body: { status: 'error', message: `token ${TOKEN} may not write contacts`, category: `BAD_${TOKEN}` },
    });
    const json = await fails({ operation: 'upsertContact', email: 'bob@example.com' });
    peer.failNext({ status: 502, body: `<p>upstream refused Bearer ${TOKEN}</p>` });
    const text = await fails({ operation: 'upsertContact', email: 'bob@example.com' });
    peer.failNext({ status: 404, body: { status: 'error', message: `${'x'.repeat(495)}${TOKEN}` } });
    const cut = await fails({ operation: 'updateContact', contactId: 1, properties: { city: 'X' } });

    expect(json.message).toBe(
      'HubSpot answered 400 to create contact (BAD_[redacted]): token [redacted] may not write contacts',
    );
    expect(text.message).toBe(
      'HubSpot answered 502 to create contact: <p>upstream refused Bearer [redacted]</p>',
    );
    for (const err of [json, text, cut]) {
      expect(err.message).not.toContain(TOKEN);
      expect(err.message).not.toContain(TOKEN.slice(0, 12));
      expect(JSON.stringify(err)).not.toContain(TOKEN);
    }
  });

  it('works with an http.bearer credential', async () => {
    const cred = credential({ token: TOKEN }, 'http.bearer');
    const out = await item({ operation: 'upsertContact', email: 'ada@example.com' }, { cred });
    expect(out).toMatchObject({ created: true });
    expect(peer.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('takes the base URL from the HubSpot credential when the config has none', async () => {
    const cred = credential({ accessToken: TOKEN, baseUrl: peer.url });
    const out = await item(
      { operation: 'upsertContact', email: 'ada@example.com' },
      { cred, withBaseUrl: false },
    );
    expect(out).toMatchObject({ created: true });
    expect(peer.requests).toHaveLength(1);
  });

  it('sends nothing to a host outside the credential’s allowedHosts', async () => {
    for (const cred of [
      credential({ accessToken: TOKEN }, 'hubspot', ['api.hubapi.com']),
      credential({ token: TOKEN }, 'http.bearer', ['api.hubapi.com']),
    ]) {
      const err = await fails({ operation: 'upsertContact', email: 'ada@example.com' }, { cred });
      expect(err).toBeInstanceOf(FatalError);
      expect(err).toMatchObject({ code: 'host_not_allowed' });
    }
    expect(peer.requests).toHaveLength(0);
  });
});

describe('action.crm config', () => {
  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(crm.config, { io: 'input' })).toMatchSnapshot();
  });
});
