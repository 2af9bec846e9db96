// Tracking plans, engine side: versioned event schemas, refused schemas, the check at ingest and its cache,
// flagged events stored with their violations — on real Postgres and Redis.
import { randomUUID } from 'node:crypto';
import { schema } from '@tributary/db';
import { ValidationError } from '@tributary/flow';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { listEvents } from '../history/index.js';
import { deployFlow, startTestEngine, type TestEngine } from '../testing/index.js';
import { ingestTracking, type TrackingMessage } from './ingest-tracking.js';
import { checkTrackingPlan } from './plan-check.js';
import { createSource, resolveWriteKey } from './sources.js';
import {
  deleteEventSchema,
  eventSchemaVersions,
  listEventSchemas,
  putEventSchema,
  setSourcePlan,
} from './tracking-plan.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});
afterAll(async () => {
  await t?.close();
});

function track(event: string, properties: Record<string, unknown>): TrackingMessage {
  const now = new Date().toISOString();
  const messageId = randomUUID();
  return {
    type: 'track',
    messageId,
    event,
    userId: 'u-plan',
    timestamp: now,
    receivedAt: now,
    payload: { type: 'track', messageId, event, userId: 'u-plan', properties, timestamp: now },
  };
}

/** A new source and its view as the tracking API gets it (through its write key). */
async function newSource(planMode: 'off' | 'flag' | 'reject' = 'flag') {
  const source = await createSource(t.engine.ctx.db, `Plan ${randomUUID()}`, 'test');
  await setSourcePlan(t.engine.ctx.db, source.id, { planMode }, 'test');
  return {
    id: source.id,
    /** What the next tracking call would see (the write-key lookup, cached as at ingest). */
    view: async () => {
      const resolved = await resolveWriteKey(t.engine.ctx.db, source.writeKey);
      if (!resolved.ok) throw new Error('the source should be active');
      return resolved.source;
    },
  };
}

const checkout = {
  type: 'object',
  required: ['total'],
  properties: { total: { type: 'number', minimum: 0 }, currency: { enum: ['EUR', 'USD'] } },
};

describe('event schemas', () => {
  test('the same schema twice (keys in another order) is one version; a changed one is the next', async () => {
    const { id } = await newSource();
    const first = await putEventSchema(t.engine.ctx.db, id, 'Checkout Started', checkout, 'ada');
    expect(first).toMatchObject({ event: 'Checkout Started', version: 1, created: true, createdBy: 'ada' });
    const reordered = {
      properties: { currency: { enum: ['EUR', 'USD'] }, total: { minimum: 0, type: 'number' } },
      required: ['total'],
      type: 'object',
    };
    const same = await putEventSchema(t.engine.ctx.db, id, 'Checkout Started', reordered, 'bob');
    expect(same).toMatchObject({ version: 1, created: false, createdBy: 'ada' });
    const changed = { ...checkout, required: ['total', 'currency'] };
    expect(await putEventSchema(t.engine.ctx.db, id, 'Checkout Started', changed, 'bob')).toMatchObject({
      version: 2,
      created: true,
    });
    const versions = await eventSchemaVersions(t.engine.ctx.db, id, 'Checkout Started');
    expect(versions.map((v) => [v.version, v.schema])).toEqual([
      [2, changed],
      [1, checkout],
    ]);
    const audit = await t.engine.ctx.db
      .select()
      .from(schema.auditLog)
      .where(eq(schema.auditLog.targetId, id));
    expect(audit.filter((a) => a.action === 'source.schema.put').map((a) => a.details)).toEqual([
      { event: 'Checkout Started', version: 1 },
      { event: 'Checkout Started', version: 2 },
    ]);
  });

  test('deleting takes the event out of the plan and keeps its versions; putting again goes on numbering', async () => {
    const { id } = await newSource();
    await putEventSchema(t.engine.ctx.db, id, 'Signed Up', { type: 'object' }, 'ada');
    await putEventSchema(t.engine.ctx.db, id, 'Order Completed', checkout, 'ada');
    await deleteEventSchema(t.engine.ctx.db, id, 'Signed Up', 'ada');
    expect((await listEventSchemas(t.engine.ctx.db, id)).map((s) => s.event)).toEqual(['Order Completed']);
    await expect(deleteEventSchema(t.engine.ctx.db, id, 'Signed Up', 'ada')).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(
      (await eventSchemaVersions(t.engine.ctx.db, id, 'Signed Up')).map((v) => [v.version, v.schema]),
    ).toEqual([
      [2, null],
      [1, { type: 'object' }],
    ]);
    const again = await putEventSchema(t.engine.ctx.db, id, 'Signed Up', { type: 'object' }, 'ada');
    expect(again).toMatchObject({ version: 3, created: true });
  });

  test('a schema that is not valid JSON Schema is refused with what is wrong, and nothing is stored', async () => {
    const { id } = await newSource();
    const refused = async (body: Record<string, unknown>) => {
      const err = await putEventSchema(t.engine.ctx.db, id, 'Bad', body, 'ada').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).problems;
    };
    expect(await refused({ type: 'nummber' })).toContainEqual(
      expect.objectContaining({ path: 'schema/type', code: 'invalid_schema' }),
    );
    expect((await refused({ type: 'object', requird: ['total'] }))[0]?.message).toMatch(/requird/);
    expect((await refused({ type: 'string', format: 'e-mail' }))[0]?.message).toMatch(/e-mail/);
    expect((await refused({ $ref: 'https://example.com/schema.json' }))[0]?.message).toMatch(/resolve/);
    expect((await refused({ $schema: 'http://json-schema.org/draft-04/schema#' }))[0]?.message).toMatch(
      /2020-12.*draft-07/,
    );
    await expect(eventSchemaVersions(t.engine.ctx.db, id, 'Bad')).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  test('what the validator would take but check wrongly or without bound is refused too, each problem named', async () => {
    const { id } = await newSource();
    const refused = async (body: Record<string, unknown>) => {
      const err = await putEventSchema(t.engine.ctx.db, id, 'Bad', body, 'ada').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).problems.map((p) => [p.path, p.message]);
    };
    expect(
      await refused({
        type: 'object',
        properties: { total: { type: 'number', minimum: '0' }, tags: { type: 'array', items: [{}] } },
        required: 'total',
      }),
    ).toEqual([
      ['schema/properties/total/minimum', 'must be a number'],
      ['schema/properties/tags/items', 'must be a schema (an object or true/false)'],
      ['schema/required', 'must be an array of unique property names'],
    ]);
    // a reference to a part the schema does not have: nothing is fetched, nothing resolves it later
    expect(await refused({ properties: { a: { $ref: '#/$defs/missing' } } })).toEqual([
      [
        'schema/properties/a/$ref',
        '"#/$defs/missing" cannot be resolved: only references to this schema\'s own parts are (nothing is fetched)',
      ],
    ]);
    // patterns V8's linear-time engine cannot run could backtrack without bound on some event
    const [first] = await refused({ properties: { code: { type: 'string', pattern: '^(a+)\\1$' } } });
    expect(first?.[0]).toBe('schema/properties/code/pattern');
    expect((await refused({ properties: { code: { pattern: '([a-z' } } }))[0]?.[1]).toMatch(
      /not a valid regular expression/,
    );
    expect((await refused({ patternProperties: { '^x-': { type: 'string' } } }))[0]?.[1]).toMatch(
      /patternProperties is not supported.*propertyNames/,
    );
    expect((await refused({ $dynamicRef: '#meta' }))[0]?.[0]).toBe('schema/$dynamicRef');
    // the validator's "url" check backtracks exponentially on crafted input (a sender could stall ingest)
    expect(await refused({ properties: { link: { type: 'string', format: 'url' } } })).toEqual([
      [
        'schema/properties/link/format',
        'format "url" is not offered: its check can take exponential time on crafted input; use "uri"',
      ],
    ]);
    // draft-07 has no prefixItems; draft 2020-12 has no dependencies
    expect(
      (await refused({ $schema: 'http://json-schema.org/draft-07/schema#', prefixItems: [{}] }))[0]?.[1],
    ).toMatch(/"prefixItems" is not a JSON Schema keyword of draft 07/);
    expect((await refused({ dependencies: { a: ['b'] } }))[0]?.[1]).toMatch(/draft 2020-12/);
  });
});

describe('checking calls against the plan', () => {
  test('track properties are checked against the schema in force; other calls and unplanned names pass', async () => {
    const source = await newSource('flag');
    await putEventSchema(t.engine.ctx.db, source.id, 'Checkout Started', checkout, 'ada');
    const messages = [
      track('Checkout Started', { total: 10, currency: 'EUR' }),
      track('Checkout Started', { total: -1, currency: 'GBP' }),
      track('Page Scrolled', { depth: 3 }),
      { ...track('Checkout Started', {}), type: 'identify' as const },
    ];
    const { mode, breaches } = await checkTrackingPlan(t.engine.ctx, await source.view(), messages);
    expect(mode).toBe('flag');
    expect(breaches).toEqual([
      {
        index: 1,
        messageId: messages[1]?.messageId,
        event: 'Checkout Started',
        violations: [
          { path: '/total', message: 'properties.total must be >= 0', schemaVersion: 1 },
          {
            path: '/currency',
            message: 'properties.currency must be one of "EUR", "USD"',
            schemaVersion: 1,
          },
        ],
      },
    ]);
    const metric = await t.engine.ctx.metrics.planViolations.get();
    expect(metric.values).toContainEqual(
      expect.objectContaining({ labels: { source: source.id, mode: 'flag' }, value: 1 }),
    );
  });

  test('each kind of violation reads as what the sender must change', async () => {
    const source = await newSource('flag');
    await putEventSchema(
      t.engine.ctx.db,
      source.id,
      'Order Completed',
      {
        type: 'object',
        required: ['orderId', 'products'],
        additionalProperties: false,
        $defs: { sku: { type: 'string', pattern: '^[A-Z]{2}-[0-9]+$' } },
        properties: {
          orderId: { type: 'string', format: 'uuid' },
          email: { type: 'string', format: 'email', maxLength: 40 },
          coupon: { anyOf: [{ type: 'null' }, { type: 'string', minLength: 3 }] },
          products: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['sku'],
              properties: {
                sku: { $ref: '#/$defs/sku' },
                'price/unit': { type: 'number', exclusiveMinimum: 0 },
              },
            },
          },
        },
      },
      'ada',
    );
    const { breaches } = await checkTrackingPlan(t.engine.ctx, await source.view(), [
      track('Order Completed', {
        orderId: 'not-a-uuid',
        email: 'ada@example.com',
        coupon: 7,
        products: [{ sku: 'ab-12', 'price/unit': 0 }, {}],
        colour: 'red',
      }),
      track('Order Completed', {
        orderId: randomUUID(),
        products: [{ sku: 'AB-12', 'price/unit': 9.5 }],
      }),
    ]);
    expect(breaches.map((b) => b.index)).toEqual([0]);
    expect(breaches[0]?.violations.map((v) => [v.path, v.message])).toEqual([
      ['/coupon', 'properties.coupon must match a schema in anyOf'],
      ['/orderId', 'properties.orderId must match format "uuid"'],
      ['/products/0/sku', 'properties.products.0.sku must match pattern "^[A-Z]{2}-[0-9]+$"'],
      ['/products/0/price~1unit', 'properties.products.0.price~1unit must be > 0'],
      ['/products/1', "properties.products.1 must have required property 'sku'"],
      ['', 'properties has "colour", which the plan does not allow'],
    ]);
  });

  test('a pattern that backtracks catastrophically does not hold ingest: V8 falls back to its linear engine', async () => {
    const source = await newSource('reject');
    // on the unicode flag the validator would use, this runs for hours on these 40 000 characters
    await putEventSchema(
      t.engine.ctx.db,
      source.id,
      'Code Entered',
      { type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } } },
      'ada',
    );
    const { breaches } = await checkTrackingPlan(t.engine.ctx, await source.view(), [
      track('Code Entered', { code: `${'a'.repeat(40_000)}!` }),
      track('Code Entered', { code: 'aaaa' }),
    ]);
    expect(breaches).toEqual([
      expect.objectContaining({
        index: 0,
        violations: [
          { path: '/code', message: 'properties.code must match pattern "^(a+)+$"', schemaVersion: 1 },
        ],
      }),
    ]);
  }, 60_000);

  test('an unplanned event name breaks the plan when the source says so', async () => {
    const source = await newSource('reject');
    await setSourcePlan(t.engine.ctx.db, source.id, { unplannedEvents: 'violation' }, 'ada');
    const { breaches } = await checkTrackingPlan(t.engine.ctx, await source.view(), [
      track('Page Scrolled', {}),
    ]);
    expect(breaches[0]?.violations).toEqual([
      { path: '', message: '"Page Scrolled" is not an event of the tracking plan', schemaVersion: null },
    ]);
  });

  test('a draft-07 schema (as Segment exports them) is checked by draft-07 rules', async () => {
    const source = await newSource('flag');
    await putEventSchema(
      t.engine.ctx.db,
      source.id,
      'Product Viewed',
      {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { sku: { type: 'string' } },
        additionalProperties: false,
      },
      'ada',
    );
    const { breaches } = await checkTrackingPlan(t.engine.ctx, await source.view(), [
      track('Product Viewed', { sku: 'A-1', colour: 'red' }),
    ]);
    expect(breaches[0]?.violations).toEqual([
      { path: '', message: 'properties has "colour", which the plan does not allow', schemaVersion: 1 },
    ]);
  });

  test('a new schema version is in force for the very next call (the compiled plan is not kept)', async () => {
    const source = await newSource('flag');
    await putEventSchema(t.engine.ctx.db, source.id, 'Checkout Started', checkout, 'ada');
    const cents = track('Checkout Started', { total: '12.50' });
    const before = await checkTrackingPlan(t.engine.ctx, await source.view(), [cents]);
    expect(before.breaches[0]?.violations).toEqual([
      { path: '/total', message: 'properties.total must be number', schemaVersion: 1 },
    ]);
    await putEventSchema(
      t.engine.ctx.db,
      source.id,
      'Checkout Started',
      { type: 'object', properties: { total: { type: ['number', 'string'] } } },
      'ada',
    );
    const after = await checkTrackingPlan(t.engine.ctx, await source.view(), [cents]);
    expect(after.breaches).toEqual([]);
    await deleteEventSchema(t.engine.ctx.db, source.id, 'Checkout Started', 'ada');
    await putEventSchema(t.engine.ctx.db, source.id, 'Checkout Started', checkout, 'ada');
    const third = await checkTrackingPlan(t.engine.ctx, await source.view(), [cents]);
    expect(third.breaches[0]?.violations[0]?.schemaVersion).toBe(4);
  });

  test('flagged events are stored with their violations and still start runs', async () => {
    const source = await newSource('flag');
    await putEventSchema(t.engine.ctx.db, source.id, 'Checkout Started', checkout, 'ada');
    const deployed = await deployFlow(t.engine, {
      name: 'Flagged checkout',
      slug: `flagged-${randomUUID().slice(0, 8)}`,
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
    const messages = [track('Checkout Started', { total: 'lots' }), track('Checkout Started', { total: 3 })];
    const { breaches } = await checkTrackingPlan(t.engine.ctx, await source.view(), messages);
    const flagged = messages.map((m, i) => {
      const violations = breaches.find((b) => b.index === i)?.violations;
      return violations ? { ...m, planViolations: violations } : m;
    });
    const results = await ingestTracking(t.engine.ctx, source.id, flagged);
    expect(results.map((r) => r.runs.map((run) => run.flowId))).toEqual([
      [deployed.flowId],
      [deployed.flowId],
    ]);
    const stored = await listEvents(t.engine.ctx.db, { source: `tracking:${source.id}`, limit: 1000 });
    expect(stored.items.map((e) => [e.id, e.planViolations])).toEqual([
      [results[1]?.eventId, null],
      [
        results[0]?.eventId,
        [{ path: '/total', message: 'properties.total must be number', schemaVersion: 1 }],
      ],
    ]);
    const onlyFlagged = await listEvents(t.engine.ctx.db, {
      source: `tracking:${source.id}`,
      violationsOnly: true,
      limit: 1000,
    });
    expect(onlyFlagged.items.map((e) => e.id)).toEqual([results[0]?.eventId]);
  });

  test('a source with the plan off checks nothing, whatever its schemas say', async () => {
    const source = await newSource('off');
    await putEventSchema(t.engine.ctx.db, source.id, 'Checkout Started', checkout, 'ada');
    const { mode, breaches } = await checkTrackingPlan(t.engine.ctx, await source.view(), [
      track('Checkout Started', { total: 'lots' }),
    ]);
    expect({ mode, breaches }).toEqual({ mode: 'off', breaches: [] });
  });
});
