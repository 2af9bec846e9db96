import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TRACKING_TYPES, trackingTrigger } from './tracking.js';

const SOURCE = '0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b';

describe('tracking trigger', () => {
  it('listens to track calls from every source when given no config', () => {
    expect(trackingTrigger.config.parse({})).toEqual({ type: 'track' });
  });

  it.each(TRACKING_TYPES)('accepts %s calls', (type) => {
    expect(trackingTrigger.config.parse({ type })).toEqual({ type });
  });

  it('keeps event names, sources and a raw condition as given', () => {
    const config = {
      type: 'page',
      events: ['Pricing', 'Checkout'],
      sources: [SOURCE],
      condition: '{{ $event.payload.properties.total > 100 }}',
    };
    expect(trackingTrigger.config.parse(config)).toEqual(config);
  });

  it('stores source ids lower-case, as the sources table holds them', () => {
    expect(trackingTrigger.config.parse({ sources: [SOURCE.toUpperCase()] }).sources).toEqual([SOURCE]);
  });

  it('refuses an unknown call type, a batch and unknown config fields', () => {
    expect(trackingTrigger.config.safeParse({ type: 'batch' }).success).toBe(false);
    expect(trackingTrigger.config.safeParse({ type: 'Track' }).success).toBe(false);
    expect(trackingTrigger.config.safeParse({ event: 'Signed Up' }).success).toBe(false);
  });

  it('refuses empty or overlong event names and more than 100 of them', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `event ${i}`);
    expect(trackingTrigger.config.safeParse({ events: [''] }).success).toBe(false);
    expect(trackingTrigger.config.safeParse({ events: ['x'.repeat(201)] }).success).toBe(false);
    expect(trackingTrigger.config.safeParse({ events: names(100) }).success).toBe(true);
    expect(trackingTrigger.config.safeParse({ events: names(101) }).success).toBe(false);
  });

  it('refuses sources that are not ids', () => {
    expect(trackingTrigger.config.safeParse({ sources: ['web'] }).success).toBe(false);
    expect(trackingTrigger.config.safeParse({ sources: [42] }).success).toBe(false);
  });

  it('takes empty lists to mean every event and every source', () => {
    expect(trackingTrigger.config.parse({ events: [], sources: [] })).toEqual({
      type: 'track',
      events: [],
      sources: [],
    });
  });

  it('is a trigger: no inputs, no run, one main output, never fails', () => {
    expect(trackingTrigger.category).toBe('trigger');
    expect(trackingTrigger.inputs).toEqual([]);
    expect(trackingTrigger.outputs({ type: 'track' })).toEqual(['main']);
    expect(trackingTrigger.canFail).toBe(false);
    expect(trackingTrigger.run).toBeUndefined();
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(trackingTrigger.config, { io: 'input' })).toMatchSnapshot();
  });
});

describe('tracking trigger sample', () => {
  it('is a track call with the common message fields when the config filters nothing', () => {
    expect(trackingTrigger.sample?.({})).toEqual({
      type: 'track',
      event: 'Signed Up',
      properties: { plan: 'pro' },
      userId: 'user-1',
      anonymousId: 'anon-1',
      context: {},
      messageId: expect.any(String),
      timestamp: expect.any(String),
      receivedAt: expect.any(String),
    });
  });

  it('is named after the first event the trigger filters by', () => {
    expect(trackingTrigger.sample?.({ events: ['Order Completed', 'Refund'] })).toMatchObject({
      type: 'track',
      event: 'Order Completed',
    });
    expect(trackingTrigger.sample?.({ type: 'page', events: ['Checkout'] })).toMatchObject({
      type: 'page',
      name: 'Checkout',
    });
    expect(trackingTrigger.sample?.({ type: 'screen', events: ['Cart'] })).toMatchObject({
      type: 'screen',
      name: 'Cart',
    });
  });

  it.each(TRACKING_TYPES)('is a %s call when the trigger listens to those', (type) => {
    const item = trackingTrigger.sample?.({ type });
    expect(item).toMatchObject({ type, userId: 'user-1' });
    expect(trackingTrigger.config.parse({ type }).type).toBe((item as { type: string }).type);
  });

  it('carries what an identify, group or alias call must', () => {
    expect(trackingTrigger.sample?.({ type: 'identify' })).toMatchObject({
      traits: expect.any(Object),
      changedTraits: expect.any(Array),
    });
    expect(trackingTrigger.sample?.({ type: 'group' })).toMatchObject({ groupId: expect.any(String) });
    expect(trackingTrigger.sample?.({ type: 'alias' })).toMatchObject({ previousId: expect.any(String) });
  });

  it('never throws on a partial or invalid config', () => {
    for (const config of [{ type: 'nope' }, { type: 3, events: 'Signed Up' }, { events: [null, '', 7] }]) {
      expect(trackingTrigger.sample?.(config)).toMatchObject({ type: 'track', event: 'Signed Up' });
    }
  });
});
