import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { manualTrigger } from './manual.js';

describe('manual trigger', () => {
  it('needs no config and keeps a sample payload as given', () => {
    expect(manualTrigger.config.parse({})).toEqual({});
    const sample = { email: 'ada@example.com', tags: ['vip'] };
    expect(manualTrigger.config.parse({ sample })).toEqual({ sample });
  });

  it('refuses unknown config fields', () => {
    expect(manualTrigger.config.safeParse({ smaple: {} }).success).toBe(false);
  });

  it('is a trigger: no inputs, no run, one main output', () => {
    expect(manualTrigger.category).toBe('trigger');
    expect(manualTrigger.inputs).toEqual([]);
    expect(manualTrigger.outputs({})).toEqual(['main']);
    expect(manualTrigger.run).toBeUndefined();
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(manualTrigger.config, { io: 'input' })).toMatchSnapshot();
  });
});

describe('manual trigger sample', () => {
  it('is the sample payload of its config, as given', () => {
    const sample = { orderId: 7, items: ['a'] };
    expect(manualTrigger.sample?.({ sample })).toEqual(sample);
    expect(manualTrigger.sample?.({ sample: 'just text' })).toBe('just text');
  });

  it('is a small example payload when the config gives none', () => {
    expect(manualTrigger.sample?.({})).toEqual({ email: 'ada@example.com' });
    expect(manualTrigger.sample?.({ smaple: 1 })).toEqual({ email: 'ada@example.com' });
  });
});
