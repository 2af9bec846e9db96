import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { scheduleTrigger } from './schedule.js';

/** The messages of the issues a config raises, by field. */
function problems(config: unknown): Record<string, string[]> {
  const result = scheduleTrigger.config.safeParse(config);
  const byField: Record<string, string[]> = {};
  for (const issue of result.error?.issues ?? []) {
    const field = issue.path.join('.');
    byField[field] = [...(byField[field] ?? []), issue.message];
  }
  return byField;
}

describe('schedule trigger', () => {
  it('reads the pattern in UTC unless told otherwise', () => {
    expect(scheduleTrigger.config.parse({ cron: '0 8 * * *' })).toEqual({
      cron: '0 8 * * *',
      timezone: 'UTC',
    });
  });

  it.each([
    '0 8 * * *',
    '*/15 9-17 * * 1-5',
    '0 8 * * MON',
    '0 0 1 1 *',
    '30 6 1,15 * *',
    '* * * * * *',
    '@daily',
    '@hourly',
  ])('accepts the pattern %j', (cron) => {
    expect(problems({ cron })).toEqual({});
  });

  it.each([
    ['a minute out of range', '61 * * * *'],
    ['an hour out of range', '0 25 * * *'],
    ['a weekday out of range', '0 8 * * 8'],
    ['a day that never comes', '0 8 31 2 *'],
    ['words', 'not a cron'],
    ['too many fields', '0 0 0 * * * *'],
    ['an unknown macro', '@fortnightly'],
  ])('refuses %s', (_, cron) => {
    expect(problems({ cron }).cron?.[0]).toMatch(/^not a valid cron pattern/);
  });

  // cron-parser pads short patterns with defaults, so each of these would otherwise schedule something else
  it.each([
    ['a lone star, which would run every minute', '*'],
    ['a lone weekday, which would run every minute on Fridays', '5'],
    ['a pattern missing its weekday', '0 8 * *'],
    ['blanks', '   '],
  ])('refuses a pattern of fewer than five fields: %s', (_, cron) => {
    expect(problems({ cron }).cron).toEqual([
      'not a valid cron pattern: it needs five fields (minute hour day-of-month month day-of-week)',
    ]);
  });

  it('refuses a missing, empty or overlong pattern', () => {
    expect(problems({}).cron).toHaveLength(1);
    expect(problems({ cron: '' }).cron?.length).toBeGreaterThan(0);
    expect(problems({ cron: `0 8 * * ${'1,'.repeat(100)}1` }).cron?.length).toBeGreaterThan(0);
  });

  it.each(['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC', 'Etc/GMT+5'])(
    'accepts the time zone %j',
    (timezone) => {
      expect(scheduleTrigger.config.parse({ cron: '0 8 * * *', timezone })).toEqual({
        cron: '0 8 * * *',
        timezone,
      });
    },
  );

  it.each(['Mars/Olympus', 'Europe/Berlin ', '+01:00', ''])('refuses the time zone %j', (timezone) => {
    expect(Object.keys(problems({ cron: '0 8 * * *', timezone }))).toEqual(['timezone']);
  });

  it('reports a bad pattern and a bad time zone together', () => {
    expect(Object.keys(problems({ cron: '61 * * * *', timezone: 'Mars/Olympus' })).sort()).toEqual([
      'cron',
      'timezone',
    ]);
  });

  it('refuses unknown config fields', () => {
    expect(problems({ cron: '0 8 * * *', tz: 'Europe/Berlin' })).not.toEqual({});
  });

  it('is a trigger: no inputs, no run, one main output', () => {
    expect(scheduleTrigger.category).toBe('trigger');
    expect(scheduleTrigger.inputs).toEqual([]);
    expect(scheduleTrigger.outputs({ cron: '0 8 * * *', timezone: 'UTC' })).toEqual(['main']);
    expect(scheduleTrigger.run).toBeUndefined();
  });

  it('keeps its JSON Schema for the editor', () => {
    expect(z.toJSONSchema(scheduleTrigger.config, { io: 'input' })).toMatchSnapshot();
  });
});

describe('schedule trigger sample', () => {
  it('is a fire now, with the pattern and time zone of its config', () => {
    const item = scheduleTrigger.sample?.({ cron: '0 8 * * *', timezone: 'Europe/Berlin' });
    expect(item).toEqual({
      firedAt: expect.any(String),
      scheduledFor: expect.any(String),
      cron: '0 8 * * *',
      timezone: 'Europe/Berlin',
    });
    const { firedAt } = item as { firedAt: string };
    expect(Math.abs(Date.parse(firedAt) - Date.now())).toBeLessThan(60_000);
  });

  it('never throws on a partial or invalid config, and reads UTC when no zone is set', () => {
    for (const config of [{}, { cron: 5, timezone: null }, { cron: ['*'] }]) {
      expect(scheduleTrigger.sample?.(config)).toMatchObject({ cron: '', timezone: 'UTC' });
    }
  });
});
