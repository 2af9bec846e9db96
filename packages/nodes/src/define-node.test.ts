import { PERSON_CORRELATION } from '@tributary/flow';
import { describe, expect, it } from 'vitest';
import { nodeTypes } from './catalogue.js';
import { merge } from './logic/merge.js';
import { set } from './logic/set.js';
import { split } from './logic/split.js';
import { switchNode } from './logic/switch.js';
import { waitForEvent } from './logic/wait-for-event.js';
import { webhookTrigger } from './triggers/webhook.js';

describe('node traits', () => {
  it('fill in defaults: neither pure nor a join, static outputs, no trigger kind', () => {
    expect(set.traits).toMatchObject({ pure: true, join: false, dynamicOutputs: false });
    expect(set.traits.split).toBeUndefined();
    expect(set.traits.waitsForEvent).toBeUndefined();
    expect(set.traits.trigger).toBeUndefined();
  });

  it('mark the merge as a join and the switch as having ports that depend on its config', () => {
    expect(merge.traits.join).toBe(true);
    expect(switchNode.traits.dynamicOutputs).toBe(true);
    expect(switchNode.traits.join).toBe(false);
  });

  it("read a split's concurrency limit from its parsed config", () => {
    const limit = split.traits.split?.limit;
    expect(limit?.(split.config.parse({ items: [], concurrency: 3 }))).toBe(3);
    expect(limit?.(split.config.parse({ items: [] }))).toBeUndefined();
  });

  it("give wait-for-event's correlation expression, falling back to the run's person", () => {
    const correlation = waitForEvent.traits.waitsForEvent?.correlation;
    expect(correlation?.({ event: 'Order Completed', correlation: '{{ $json.email }}' })).toBe(
      '{{ $json.email }}',
    );
    expect(correlation?.({ event: 'Order Completed' })).toBe(PERSON_CORRELATION);
  });

  it('say how each trigger receives its events, and only triggers have a kind', () => {
    expect(webhookTrigger.traits.trigger).toBe('webhook');
    for (const type of nodeTypes) {
      expect(type.traits.trigger !== undefined).toBe(type.category === 'trigger');
    }
  });
});

describe('node samples', () => {
  it('every trigger gives an example item for an empty config; other nodes give none', () => {
    for (const type of nodeTypes) {
      if (type.category === 'trigger') expect(type.sample?.({}), type.type).toBeDefined();
      else expect(type.sample, type.type).toBeUndefined();
    }
  });
});
