import { describe, expect, it } from 'vitest';
import { runNode } from './test-context.js';
import { waitUntil } from './wait-until.js';

/** What the engine's sleep throws to park a step. */
class Parked extends Error {
  constructor(readonly ms: number) {
    super('parked');
  }
}
const sleep = (ms: number) => {
  throw new Parked(ms);
};

/** The moment the step would wake at, from the sleep it asked for. */
async function wakeOf(config: Parameters<typeof runNode<typeof waitUntil.config>>[1]): Promise<Date> {
  const before = Date.now();
  const parked = await runNode(waitUntil, config, { id: 1 }, { sleep }).catch((err: unknown) => err);
  if (!(parked instanceof Parked)) throw new Error(`expected the step to park, got ${String(parked)}`);
  // the node reads the clock once; round to the minute it aims at
  return new Date(Math.round((before + parked.ms) / 60_000) * 60_000);
}

/** The local wall-clock time of `at` in `zone`, as "Mon 09:00". */
function wallClock(at: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

describe('wait until', () => {
  it('parks until the next time of day in the time zone, within the next day', async () => {
    const wake = await wakeOf({ mode: 'time', time: '09:30', timezone: 'Asia/Kolkata' });
    expect(wallClock(wake, 'Asia/Kolkata')).toMatch(/ 09:30$/);
    expect(wake.getTime() - Date.now()).toBeGreaterThan(0);
    expect(wake.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
  });

  it('keeps to the weekdays asked for', async () => {
    const wake = await wakeOf({ mode: 'time', time: '08:00', days: ['sat'], timezone: 'America/New_York' });
    expect(wallClock(wake, 'America/New_York')).toBe('Sat 08:00');
    expect(wake.getTime() - Date.now()).toBeLessThanOrEqual(7 * 24 * 3600_000);
  });

  it('falls back to fallbackTimezone when the person has no usable zone', async () => {
    const wake = await wakeOf({
      mode: 'time',
      time: '07:15',
      timezone: 'Not/AZone',
      fallbackTimezone: 'Europe/Berlin',
    });
    expect(wallClock(wake, 'Europe/Berlin')).toMatch(/ 07:15$/);
  });

  it('parks until a date from the data, and goes on at once when it has passed', async () => {
    const inAnHour = new Date(Date.now() + 3600_000);
    inAnHour.setUTCSeconds(0, 0);
    expect((await wakeOf({ mode: 'date', until: inAnHour.toISOString() })).toISOString()).toBe(
      inAnHour.toISOString(),
    );
    const out = await runNode(
      waitUntil,
      { mode: 'date', until: '2020-01-01T00:00:00Z' },
      { id: 2 },
      { sleep },
    );
    expect(out).toEqual({ main: [{ id: 2 }] });
  });

  it('passes the item on unchanged once woken', async () => {
    const out = await runNode(waitUntil, { mode: 'time', time: '10:00' }, { id: 3 }, { sleep: () => {} });
    expect(out).toEqual({ main: [{ id: 3 }] });
  });

  it('fails clearly on a date that is not one, or more than a year away', async () => {
    await expect(
      runNode(waitUntil, { mode: 'date', until: 'next week' }, {}, { sleep }),
    ).rejects.toMatchObject({
      code: 'invalid_date',
    });
    const far = new Date(Date.now() + 400 * 24 * 3600_000).toISOString();
    await expect(runNode(waitUntil, { mode: 'date', until: far }, {}, { sleep })).rejects.toMatchObject({
      code: 'too_far',
    });
  });

  it('refuses a malformed time and an unknown fallback zone when the flow is saved', () => {
    expect(waitUntil.config.safeParse({ mode: 'time', time: '9:30' }).success).toBe(false);
    expect(waitUntil.config.safeParse({ mode: 'time', time: '24:00' }).success).toBe(false);
    expect(
      waitUntil.config.safeParse({ mode: 'time', time: '09:30', fallbackTimezone: 'Mars/Base' }).success,
    ).toBe(false);
    expect(waitUntil.config.safeParse({ mode: 'time', time: '09:30', days: [] }).success).toBe(false);
  });
});
