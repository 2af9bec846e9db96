// Routing a webhook: from the live list in memory when it is fresh, from Postgres when it is not or lacks the
// path (a flow published by another process moments ago), and nothing for a flow no longer live.
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { LiveFlows } from '../core/index.js';
import { createFlow, deactivateFlow, publishFlow } from '../flows/index.js';
import { deployFlow, startTestEngine, type TestEngine } from '../testing/index.js';
import { routeWebhook } from './webhook.js';

let t: TestEngine;

const hookFlow = (path: string) => ({
  name: `route ${path}`,
  slug: path,
  nodes: [
    { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path, method: 'PUT' } },
    { id: 'tag', type: 'logic.set', name: 'Tag', config: { fields: { seen: true } } },
  ],
  edges: [{ id: 'e1', source: 'hook', target: 'tag' }],
});

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'), { worker: false });
});

afterAll(async () => {
  await t?.close();
});

test('a published path routes from memory with its trigger config, and a deactivated one stops routing', async () => {
  const { ctx } = t.engine;
  const { flowId, version } = await deployFlow(t.engine, hookFlow('route-memory'));
  const target = await routeWebhook(ctx, '/route-memory/');
  expect(target).toMatchObject({ flowId, version, nodeId: 'hook', method: 'PUT' });
  expect(target?.config).toMatchObject({ path: 'route-memory', method: 'PUT' });
  expect(ctx.live.webhookInMemory('route-memory')?.route).toEqual({
    flowId,
    version,
    nodeId: 'hook',
    method: 'PUT',
  });

  await deactivateFlow(ctx.db, flowId, 'test');
  await t.engine.flowsChanged();
  expect(ctx.live.webhookInMemory('route-memory')).toBeUndefined();
  expect(await routeWebhook(ctx, 'route-memory')).toBeUndefined();
});

test('a path published without this process knowing routes through the routing table at once', async () => {
  const { ctx } = t.engine;
  // fill the live list first, then publish without telling this engine (as another process would)
  await routeWebhook(ctx, 'route-memory');
  const flow = await createFlow(ctx.db, hookFlow('route-elsewhere'), 'test');
  const { version } = await publishFlow(ctx.db, flow.id, 'test');
  expect(ctx.live.webhookInMemory('route-elsewhere')).toBeUndefined();
  expect(await routeWebhook(ctx, 'route-elsewhere')).toMatchObject({
    flowId: flow.id,
    version,
    method: 'PUT',
  });
});

test('the in-memory answer lasts as long as the list is fresh, then the list is read again', async () => {
  const { ctx } = t.engine;
  const live = new LiveFlows(100);
  expect(live.webhookInMemory('route-elsewhere')).toBeUndefined();
  await live.webhook(ctx.db, ctx.flows, 'route-elsewhere');
  const fresh = live.webhookInMemory('route-elsewhere');
  expect(fresh?.flow.definition.slug).toBe('route-elsewhere');
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(live.webhookInMemory('route-elsewhere')).toBeUndefined();
  expect(await live.webhook(ctx.db, ctx.flows, 'route-elsewhere')).toEqual(fresh);
  live.invalidate();
  expect(live.webhookInMemory('route-elsewhere')).toBeUndefined();
});
