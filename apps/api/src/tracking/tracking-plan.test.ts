// Tracking plans through HTTP, in-process on real Postgres and Redis: the schema routes (versions, refused
// schemas, roles), and the tracking API in each plan mode — flagged events stored and starting runs, a
// rejected batch storing nothing, the plan off changing nothing — with the event log and metrics.
import { createApiKey } from '@tributary/engine';
import { deployFlow, waitFor } from '@tributary/engine/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { ProblemDocument } from '../problem.js';
import type { AuditEntry } from '../routes/audit.js';
import type { Event, RunSummary } from '../routes/runs.js';
import type { Source } from '../routes/sources.js';
import type { EventSchema, EventSchemaVersion } from '../routes/tracking-plan.js';
import { type Page, readJson, readProblem, scrapeMetrics, startTestApp, type TestApp } from '../test-app.js';
import { basicAuth, countRows, createTestSource, post } from './test-tracking.js';

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
});

const checkout = {
  type: 'object',
  required: ['total'],
  properties: { total: { type: 'number' }, currency: { type: 'string', enum: ['EUR', 'USD'] } },
};

const schemaPath = (sourceId: string, event = 'Checkout Started') =>
  `/api/v1/sources/${sourceId}/schemas/${encodeURIComponent(event)}`;

/** A source in a plan mode, with the Checkout Started schema. */
async function plannedSource(planMode: 'off' | 'flag' | 'reject') {
  const source = await createTestSource(api, `Plan ${planMode} ${Date.now()}`);
  const set = await api.call('PUT', `/api/v1/sources/${source.id}/plan`, { planMode });
  expect(set.status).toBe(200);
  expect((await api.call('PUT', schemaPath(source.id), { schema: checkout })).status).toBe(201);
  return source;
}

/** A refused tracking call's problem: besides `problems`, each breaking call with what it breaks. */
type PlanViolationProblem = ProblemDocument & {
  violations: Array<{ index: number; messageId: string; event: string; errors: unknown[] }>;
};

async function eventsOf(sourceId: string, query = '') {
  const res = await api.call(
    'GET',
    `/api/v1/events?source=${encodeURIComponent(`tracking:${sourceId}`)}${query}`,
  );
  expect(res.status).toBe(200);
  return (await readJson<Page<Event>>(res)).items;
}

async function violationCount(sourceId: string, mode: string): Promise<number> {
  return (await scrapeMetrics(api.app)).value('tributary_tracking_plan_violations_total', {
    source: sourceId,
    mode,
  });
}

describe('event schema routes', () => {
  test('PUT makes a version only when the schema changed; GET lists versions; DELETE takes it out', async () => {
    const source = await createTestSource(api, 'Schemas');
    const first = await api.call('PUT', schemaPath(source.id), { schema: checkout });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ event: 'Checkout Started', version: 1, schema: checkout });
    const same = await api.call('PUT', schemaPath(source.id), { schema: { ...checkout } });
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ version: 1 });
    const loose = { ...checkout, required: [] };
    expect((await api.call('PUT', schemaPath(source.id), { schema: loose })).status).toBe(201);
    const versions = await readJson<Page<EventSchemaVersion>>(await api.call('GET', schemaPath(source.id)));
    expect(versions.items.map((v) => v.version)).toEqual([2, 1]);
    const plan = await readJson<Page<EventSchema>>(
      await api.call('GET', `/api/v1/sources/${source.id}/schemas`),
    );
    expect(plan.items).toEqual([
      expect.objectContaining({ event: 'Checkout Started', version: 2, schema: loose }),
    ]);
    const sourceNow = await readJson<Source>(await api.call('GET', `/api/v1/sources/${source.id}`));
    expect(sourceNow.planRevision).toBe(2);

    expect((await api.call('DELETE', schemaPath(source.id))).status).toBe(204);
    expect(
      (await readJson<Page<EventSchema>>(await api.call('GET', `/api/v1/sources/${source.id}/schemas`)))
        .items,
    ).toEqual([]);
    expect((await api.call('DELETE', schemaPath(source.id))).status).toBe(404);
    const audit = await readJson<Page<AuditEntry>>(await api.call('GET', '/api/v1/audit?targetType=source'));
    const actions = audit.items.filter((a) => a.targetId === source.id).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['source.schema.put', 'source.schema.delete']));
  });

  test('an invalid JSON Schema is a 422 naming the problem, and no version is made', async () => {
    const source = await createTestSource(api, 'Bad schemas');
    const res = await api.call('PUT', schemaPath(source.id), {
      schema: { type: 'object', properties: { total: { type: 'numbr' } } },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = await readProblem(res);
    expect(problem.code).toBe('validation_failed');
    expect(problem.problems).toContainEqual(
      expect.objectContaining({ path: 'schema/properties/total/type', code: 'invalid_schema' }),
    );
    const typo = await api.call('PUT', schemaPath(source.id), { schema: { type: 'object', propertys: {} } });
    expect(typo.status).toBe(422);
    expect((await readProblem(typo)).detail).toContain('propertys');
    expect((await api.call('PUT', schemaPath(source.id), { schema: [1] })).status).toBe(422);
    expect((await api.call('PUT', schemaPath(source.id), { schema: checkout, extra: 1 })).status).toBe(422);
    expect((await api.call('PUT', `/api/v1/sources/${source.id}/plan`, { planMode: 'block' })).status).toBe(
      422,
    );
    expect((await api.call('GET', schemaPath(source.id))).status).toBe(404);
    const missing = '01937a4e-6f1a-7c3b-9a2e-1b2c3d4e5f60';
    expect((await api.call('PUT', schemaPath(missing), { schema: checkout })).status).toBe(404);
  });

  test('a viewer may read the plan but not change it', async () => {
    const source = await plannedSource('flag');
    const viewer = await createApiKey(api.t.engine.ctx.db, 'plan viewer', 'viewer', 'test');
    const headers = { authorization: `Bearer ${viewer.key}` };
    expect((await api.call('GET', `/api/v1/sources/${source.id}/schemas`, undefined, headers)).status).toBe(
      200,
    );
    expect((await api.call('PUT', schemaPath(source.id), { schema: {} }, headers)).status).toBe(403);
    expect((await api.call('DELETE', schemaPath(source.id), undefined, headers)).status).toBe(403);
    expect(
      (await api.call('PUT', `/api/v1/sources/${source.id}/plan`, { planMode: 'off' }, headers)).status,
    ).toBe(403);
  });
});

describe('the tracking API and the plan', () => {
  test('flag: a breaking event is accepted, stored with its violations, listed by ?violations=only and starts its run', async () => {
    const source = await plannedSource('flag');
    const deployed = await deployFlow(api.t.engine, {
      name: 'Checkout journey',
      slug: `checkout-${source.id.slice(-8)}`,
      nodes: [
        {
          id: 'start',
          type: 'trigger.tracking',
          name: 'Checkout',
          config: { type: 'track', events: ['Checkout Started'], sources: [source.id] },
        },
      ],
      edges: [],
    });
    const bad = await post(
      api,
      '/v1/track',
      { userId: 'u-flag', event: 'Checkout Started', properties: { total: 'ten', currency: 'GBP' } },
      basicAuth(source.writeKey),
    );
    expect(bad.status).toBe(200);
    expect(await bad.json()).toMatchObject({ success: true, duplicate: false });
    const good = await post(
      api,
      '/v1/track',
      { userId: 'u-flag', event: 'Checkout Started', properties: { total: 10 } },
      basicAuth(source.writeKey),
    );
    expect(good.status).toBe(200);
    const events = await eventsOf(source.id);
    expect(events.map((e) => e.planViolations)).toEqual([
      null,
      [
        { path: '/total', message: 'properties.total must be number', schemaVersion: 1 },
        { path: '/currency', message: 'properties.currency must be one of "EUR", "USD"', schemaVersion: 1 },
      ],
    ]);
    const flagged = await eventsOf(source.id, '&violations=only');
    expect(flagged.map((e) => e.id)).toEqual([events[1]?.id]);
    const one = await readJson<Event>(await api.call('GET', `/api/v1/events/${events[1]?.id}`));
    expect(one.planViolations).toHaveLength(2);
    await waitFor(
      async () => {
        const runs = await readJson<Page<RunSummary>>(
          await api.call('GET', `/api/v1/runs?flowId=${deployed.flowId}`),
        );
        return runs.items.length === 2 ? runs : undefined;
      },
      { what: 'a run for each Checkout Started, flagged or not' },
    );
    expect(await violationCount(source.id, 'flag')).toBe(1);
  });

  test('reject: a batch with breaking events is refused with 400 naming each, and nothing of it is stored', async () => {
    const source = await plannedSource('reject');
    const eventsBefore = await countRows(api.t.engine.ctx.db, 'events');
    const profilesBefore = await countRows(api.t.engine.ctx.db, 'profiles');
    const res = await post(
      api,
      '/v1/batch',
      {
        batch: [
          { type: 'identify', userId: 'u-reject', traits: { plan: 'pro' } },
          { type: 'track', userId: 'u-reject', event: 'Checkout Started', properties: { total: 12 } },
          {
            type: 'track',
            userId: 'u-reject',
            messageId: 'bad-1',
            event: 'Checkout Started',
            properties: {},
          },
          { type: 'track', event: 'No person' },
          { type: 'track', userId: 'u-reject', event: 'Page Scrolled', properties: { depth: 2 } },
          {
            type: 'track',
            userId: 'u-reject',
            messageId: 'bad-2',
            event: 'Checkout Started',
            properties: { total: 1, currency: 'GBP' },
          },
        ],
      },
      basicAuth(source.writeKey),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = await readJson<PlanViolationProblem>(res);
    expect(problem.code).toBe('tracking_plan_violation');
    expect(problem.detail).toContain('nothing was accepted');
    expect(problem.violations).toEqual([
      {
        index: 2,
        messageId: 'bad-1',
        event: 'Checkout Started',
        errors: [{ path: '', message: "properties must have required property 'total'", schemaVersion: 1 }],
      },
      {
        index: 5,
        messageId: 'bad-2',
        event: 'Checkout Started',
        errors: [
          {
            path: '/currency',
            message: 'properties.currency must be one of "EUR", "USD"',
            schemaVersion: 1,
          },
        ],
      },
    ]);
    expect(problem.problems).toContainEqual(
      expect.objectContaining({ path: 'batch.5.properties.currency', code: 'tracking_plan_violation' }),
    );
    expect(await countRows(api.t.engine.ctx.db, 'events')).toBe(eventsBefore);
    expect(await countRows(api.t.engine.ctx.db, 'profiles')).toBe(profilesBefore);
    expect(await violationCount(source.id, 'reject')).toBe(2);

    const single = await post(
      api,
      '/v1/track',
      { userId: 'u-reject', event: 'Checkout Started', properties: { total: '1' } },
      basicAuth(source.writeKey),
    );
    expect(single.status).toBe(400);
    expect((await readProblem(single)).problems).toEqual([
      {
        path: 'properties.total',
        message: 'properties.total must be number',
        code: 'tracking_plan_violation',
      },
    ]);
    const fine = await post(
      api,
      '/v1/track',
      { userId: 'u-reject', event: 'Checkout Started', properties: { total: 1 } },
      basicAuth(source.writeKey),
    );
    expect(fine.status).toBe(200);
    expect(await eventsOf(source.id)).toHaveLength(1);
  });

  test('off: schemas are kept but nothing is checked or flagged', async () => {
    const source = await plannedSource('off');
    const res = await post(
      api,
      '/v1/track',
      { userId: 'u-off', event: 'Checkout Started', properties: { total: 'ten' } },
      basicAuth(source.writeKey),
    );
    expect(res.status).toBe(200);
    expect((await eventsOf(source.id)).map((e) => e.planViolations)).toEqual([null]);
    expect(await violationCount(source.id, 'off')).toBe(0);
  });

  test('a pattern that backtracks catastrophically answers the tracking call at once; one that could hang is 422', async () => {
    const source = await createTestSource(api, `Plan pattern ${Date.now()}`);
    expect((await api.call('PUT', `/api/v1/sources/${source.id}/plan`, { planMode: 'reject' })).status).toBe(
      200,
    );
    const schema = (pattern: string) => ({
      schema: { type: 'object', properties: { code: { type: 'string', pattern } } },
    });
    const hanging = await api.call('PUT', schemaPath(source.id, 'Code Entered'), schema('^(a+)\\1$'));
    expect(hanging.status).toBe(422);
    expect((await readProblem(hanging)).problems?.[0]).toMatchObject({
      path: 'schema/properties/code/pattern',
      message: expect.stringMatching(/backtrack/),
    });
    expect((await api.call('PUT', schemaPath(source.id, 'Code Entered'), schema('^(a+)+$'))).status).toBe(
      201,
    );
    // backtracking over these 30 001 characters would take longer than the age of the universe
    const res = await post(
      api,
      '/v1/track',
      { userId: 'u-pattern', event: 'Code Entered', properties: { code: `${'a'.repeat(30_000)}!` } },
      basicAuth(source.writeKey),
    );
    expect(res.status).toBe(400);
    expect((await readProblem(res)).problems).toEqual([
      {
        path: 'properties.code',
        message: 'properties.code must match pattern "^(a+)+$"',
        code: 'tracking_plan_violation',
      },
    ]);
  }, 60_000);

  test('the next event after a schema change is checked against the new version', async () => {
    const source = await plannedSource('reject');
    const send = () =>
      post(
        api,
        '/v1/track',
        { userId: 'u-change', event: 'Checkout Started', properties: { total: 5, coupon: 'X' } },
        basicAuth(source.writeKey),
      );
    expect((await send()).status).toBe(200);
    const strict = { ...checkout, additionalProperties: false };
    expect((await api.call('PUT', schemaPath(source.id), { schema: strict })).status).toBe(201);
    const refused = await send();
    expect(refused.status).toBe(400);
    expect((await readJson<PlanViolationProblem>(refused)).violations[0]?.errors).toEqual([
      { path: '', message: 'properties has "coupon", which the plan does not allow', schemaVersion: 2 },
    ]);
    expect((await api.call('PUT', `/api/v1/sources/${source.id}/plan`, { planMode: 'flag' })).status).toBe(
      200,
    );
    expect((await send()).status).toBe(200);
    expect((await eventsOf(source.id, '&violations=only')).length).toBe(1);
  });
});
