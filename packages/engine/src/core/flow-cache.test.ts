// The cache of compiled flow versions, on real Postgres: loads once, answers at once when loaded, keeps
// the versions in use when full, and does not keep a failed load.
import { NotFoundError } from '@tributary/flow';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { deployFlow, manualFlow, startTestEngine, type TestEngine } from '../testing/index.js';
import { FlowCache } from './flow-cache.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});

afterAll(async () => {
  await t?.close();
});

/** A manual trigger and one set node: the smallest flow to compile. */
const definition = () =>
  manualFlow(
    [{ id: 'set', type: 'logic.set', name: 'Mark', config: { fields: { marked: true } } }],
    [{ id: 'e1', source: 'trigger', target: 'set' }],
  );

describe('FlowCache', () => {
  test('cached() answers only once a version is loaded; get() shares one load', async () => {
    const one = definition();
    const { flowId, version } = await deployFlow(t.engine, one);
    const cache = new FlowCache();
    expect(cache.cached(flowId, version)).toBeUndefined();
    const first = cache.get(t.engine.ctx.db, flowId, version);
    const second = cache.get(t.engine.ctx.db, flowId, version);
    expect(second).toBe(first);
    // still loading: nothing to answer at once
    expect(cache.cached(flowId, version)).toBeUndefined();
    const flow = await first;
    expect(flow.definition.slug).toBe(one.slug);
    expect(cache.cached(flowId, version)).toBe(flow);
    expect(cache.cached(flowId, version + 1)).toBeUndefined();
  });

  test('a failed load is not kept: the next get tries again', async () => {
    const { flowId, version } = await deployFlow(t.engine, definition());
    const cache = new FlowCache();
    const missing = cache.get(t.engine.ctx.db, flowId, version + 5);
    await expect(missing).rejects.toThrow(NotFoundError);
    expect(cache.get(t.engine.ctx.db, flowId, version + 5)).not.toBe(missing);
    await expect(cache.get(t.engine.ctx.db, flowId, version + 5)).rejects.toThrow(NotFoundError);
    expect(cache.cached(flowId, version + 5)).toBeUndefined();
  });

  test('when full, the oldest version not used since it was last passed over goes', async () => {
    const flows = await Promise.all([1, 2, 3].map(() => deployFlow(t.engine, definition())));
    const [a, b, c] = flows as [(typeof flows)[0], (typeof flows)[0], (typeof flows)[0]];
    const db = t.engine.ctx.db;
    const cache = new FlowCache(2);
    const loadedA = await cache.get(db, a.flowId, a.version);
    await cache.get(db, b.flowId, b.version);
    // a is used again (at once, from cached), b is not: c's arrival drops b, not a
    expect(cache.cached(a.flowId, a.version)).toBe(loadedA);
    await cache.get(db, c.flowId, c.version);
    expect(cache.cached(a.flowId, a.version)).toBe(loadedA);
    expect(cache.cached(b.flowId, b.version)).toBeUndefined();
    expect(cache.cached(c.flowId, c.version)).toBeDefined();
  });
});
