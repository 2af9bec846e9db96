import { FatalError, RetryableError } from '@tributary/flow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  actionHarness,
  answer,
  errorOf,
  lastRequest,
  storedCredential,
  withPeer,
} from '../../test/action-harness.js';
import {
  type HttpPeer,
  type PeerHandler,
  type RecordedRequest,
  startHttpPeer,
} from '../../test/peers/http-peer.js';
import type { NodeCredential } from '../credentials/http-auth.js';
import type { NodeOutput } from '../define-node.js';
import { onlyObject } from '../logic/test-context.js';
import { httpRequest } from './http-request.js';
import { pagerdutyEvent } from './pagerduty.js';

// A local Events API v2 peer answering with PagerDuty's shapes, reached through the real guarded client.
const harness = actionHarness();
const ROUTING_KEY = 'R0ut1ngKeyR0ut1ngKeyR0ut1ngKey12';
const CREDENTIAL_ID = '0b6f7a52-2d7e-4c3c-9a51-0f1e8d3c7b21';
let peer: HttpPeer;

/** Answers like PagerDuty: 202 with the dedup key, or 400 "invalid event" for a missing routing key or summary. */
const enqueue: PeerHandler = (req, res) => {
  const event = JSON.parse(req.body.toString()) as Record<string, unknown>;
  const payload = event.payload as Record<string, unknown> | undefined;
  res.setHeader('content-type', 'application/json');
  if (event.routing_key !== ROUTING_KEY || (event.event_action === 'trigger' && !payload?.summary)) {
    res.statusCode = 400;
    res.end(
      JSON.stringify({
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ["'payload.summary' is missing or blank"],
      }),
    );
    return;
  }
  res.statusCode = 202;
  res.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: event.dedup_key }));
};

beforeAll(async () => {
  peer = await startHttpPeer({ handler: enqueue });
});
afterAll(() => peer.close());
afterEach(() => peer.reset());

function credential(data: Record<string, unknown> = {}, allowedHosts: string[] = []): NodeCredential {
  const full = { routingKey: ROUTING_KEY, baseUrl: peer.url, ...data };
  return storedCredential({
    id: CREDENTIAL_ID,
    name: 'on-call',
    type: 'pagerduty',
    data: full,
    allowedHosts,
  });
}

const trigger = {
  credential: CREDENTIAL_ID,
  summary: 'Disk full on db-1',
  severity: 'critical',
  source: 'db-1.example.com',
} as const;

function run(
  config: Record<string, unknown>,
  options: { idempotencyKey?: string; credential?: NodeCredential } = {},
): Promise<NodeOutput> {
  // the tests build configs the schema parses: runNode checks them
  return harness.run(
    pagerdutyEvent,
    { credential: CREDENTIAL_ID, ...config } as z.input<typeof pagerdutyEvent.config>,
    { idempotencyKey: options.idempotencyKey ?? 'step-7', credential: options.credential ?? credential() },
  );
}

const fails = (config: Record<string, unknown>) => errorOf(run(config));

function sent(req: RecordedRequest = lastRequest(peer)): Record<string, unknown> {
  return JSON.parse(req.body.toString()) as Record<string, unknown>;
}

describe('action.pagerduty', () => {
  it('triggers an alert with the Events API v2 shape and emits PagerDuty’s answer', async () => {
    const out = await run({
      ...trigger,
      component: 'postgres',
      group: 'checkout',
      class: 'disk',
      customDetails: { freeBytes: 0, volumes: ['/var/lib/postgresql'] },
      links: [{ href: 'https://grafana.example.com/d/db', text: 'Dashboard' }],
    });
    const req = peer.requests[0];
    expect(peer.requests).toHaveLength(1);
    expect(req).toMatchObject({ method: 'POST', url: '/v2/enqueue' });
    expect(req?.headers['content-type']).toBe('application/json');
    expect(sent()).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'step-7',
      payload: {
        summary: 'Disk full on db-1',
        severity: 'critical',
        source: 'db-1.example.com',
        component: 'postgres',
        group: 'checkout',
        class: 'disk',
        custom_details: { freeBytes: 0, volumes: ['/var/lib/postgresql'] },
      },
      links: [{ href: 'https://grafana.example.com/d/db', text: 'Dashboard' }],
    });
    expect(onlyObject(out)).toEqual({ status: 'success', dedupKey: 'step-7', message: 'Event processed' });
  });

  it('sends the same dedup key when a step is retried, so no second incident opens', async () => {
    await run(trigger, { idempotencyKey: 'step-retried' });
    await run(trigger, { idempotencyKey: 'step-retried' });
    expect(peer.requests.map((r) => sent(r).dedup_key)).toEqual(['step-retried', 'step-retried']);
  });

  it('uses a dedupKey the flow gives instead of the idempotency key', async () => {
    const out = await run({ ...trigger, dedupKey: 'db-1/disk' });
    expect(sent().dedup_key).toBe('db-1/disk');
    expect(onlyObject(out).dedupKey).toBe('db-1/disk');
  });

  it('acknowledges and resolves by dedup key, without a payload', async () => {
    await run({ action: 'acknowledge', dedupKey: 'db-1/disk' });
    // trigger fields left in the config are not sent with a resolve
    await run({
      ...trigger,
      action: 'resolve',
      dedupKey: 'db-1/disk',
      links: [{ href: 'https://a.example' }],
    });
    expect(peer.requests.map((r) => sent(r))).toEqual([
      { routing_key: ROUTING_KEY, event_action: 'acknowledge', dedup_key: 'db-1/disk' },
      { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'db-1/disk' },
    ]);
  });

  it('takes its base URL from the config, else from the credential', async () => {
    await run({ ...trigger, baseUrl: `${peer.url}/proxy/` });
    expect(peer.requests.at(-1)?.url).toBe('/proxy/v2/enqueue');
    await run(trigger, { credential: credential({ baseUrl: `${peer.url}/eu` }) });
    expect(peer.requests.at(-1)?.url).toBe('/eu/v2/enqueue');
  });

  it('fails an invalid event as fatal with PagerDuty’s message and errors, never the routing key', async () => {
    const other = credential({ routingKey: 'AnotherKeyAnotherKeyAnotherKey12' });
    const err = await errorOf(run(trigger, { credential: other }));
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'pagerduty_invalid_event' });
    expect(err.message).toBe(
      "PagerDuty refused the event: Event object is invalid: 'payload.summary' is missing or blank",
    );
    expect(err.message).not.toContain('AnotherKey');
  });

  it('retries a 429 after 30 s, or after a Retry-After PagerDuty sends', async () => {
    peer.handle(
      answer(429, {
        status: 'throttle event',
        message: 'Requests for this service are arriving too quickly.',
      }),
    );
    const err = await fails(trigger);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ code: 'http_429', retryAfterMs: 30_000 });
    peer.handle(answer(429, undefined, { 'retry-after': '5' }));
    expect(await fails(trigger)).toMatchObject({ code: 'http_429', retryAfterMs: 5000 });
  });

  it('retries 5xx answers', async () => {
    for (const status of [500, 502, 503]) {
      peer.handle(answer(status, 'upstream trouble'));
      const err = await fails(trigger);
      expect(err).toBeInstanceOf(RetryableError);
      expect(err).toMatchObject({ code: 'http_5xx' });
    }
  });

  it('does not follow a redirect with the routing key in the body', async () => {
    peer.handle((req, res) => {
      if (req.url === '/v2/enqueue') {
        res.writeHead(307, { location: '/elsewhere' });
        res.end();
      } else enqueue(req, res);
    });
    const err = await fails(trigger);
    expect(err).toBeInstanceOf(FatalError);
    expect(err).toMatchObject({ code: 'http_3xx' });
    expect(peer.requests.map((r) => r.url)).toEqual(['/v2/enqueue']);
  });

  it('sends nothing to a host outside the credential’s allowedHosts', async () => {
    await withPeer(
      async (fresh) => {
        const bound = credential({ baseUrl: fresh.url }, ['example.com']);
        const err = await errorOf(run(trigger, { credential: bound }));
        expect(err).toBeInstanceOf(FatalError);
        expect(err).toMatchObject({ code: 'host_not_allowed' });
        expect(fresh.requests.length).toBe(0);
        expect(fresh.connections).toBe(0);
      },
      { handler: enqueue },
    );
  });

  it('validates its config', () => {
    const problems = (config: Record<string, unknown>) => {
      const result = pagerdutyEvent.config.safeParse({ credential: CREDENTIAL_ID, ...config });
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems(trigger)).toEqual([]);
    expect(problems({ action: 'resolve', dedupKey: 'k' })).toEqual([]);
    expect(problems({ action: 'acknowledge' })).toEqual([
      'dedupKey: acknowledge needs the dedupKey of the alert it changes',
    ]);
    expect(problems({ action: 'resolve', summary: 's' })).toEqual([
      'dedupKey: resolve needs the dedupKey of the alert it changes',
    ]);
    expect(problems({ summary: 's' })).toEqual([
      'severity: a trigger event needs a severity',
      'source: a trigger event needs a source',
    ]);
    expect(problems({ ...trigger, severity: 'fatal' })).toHaveLength(1);
    expect(problems({ ...trigger, summary: 'x'.repeat(1025) })).toHaveLength(1);
    expect(problems({ ...trigger, summary: 'x'.repeat(1024) })).toEqual([]);
    expect(problems({ ...trigger, dedupKey: 'k'.repeat(256) })).toHaveLength(1);
    expect(problems({ ...trigger, customDetails: ['not', 'an', 'object'] })).toHaveLength(1);
    expect(problems({ ...trigger, links: [{ href: 'javascript:alert(1)' }] })).toHaveLength(1);
    expect(problems({ ...trigger, routingKey: ROUTING_KEY })).toHaveLength(1);
    expect(problems({ ...trigger, credential: undefined })).toHaveLength(1);
    expect(pagerdutyEvent.config.parse(trigger)).toEqual({ ...trigger, action: 'trigger' });
  });

  it('is an action with I/O that takes a PagerDuty credential, retried like action.http', () => {
    expect(pagerdutyEvent).toMatchObject({
      type: 'action.pagerduty',
      category: 'action',
      icon: 'siren',
      credentialTypes: ['pagerduty'],
      traits: { pure: false },
      canFail: true,
    });
    expect(pagerdutyEvent.retry).toEqual(httpRequest.retry);
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(pagerdutyEvent.config, { io: 'input' })).toMatchSnapshot();
  });
});
