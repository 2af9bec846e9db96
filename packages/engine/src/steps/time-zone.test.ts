// A flow's time zone (settings.timezone) on real Postgres and Redis: its expressions' $now() and $fromMillis()
// write times in it (its offset at that instant, daylight saving included), a flow without one writes UTC, and
// a schedule trigger that names no zone of its own reads its pattern in the flow's.
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  deployFlow,
  finishedRun,
  fireEvent,
  manualFlow,
  runIdOf,
  startTestEngine,
  type TestEngine,
  waitFor,
} from '../testing/index.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});

afterAll(async () => {
  await t?.close();
});

const JANUARY = Date.UTC(2026, 0, 15, 12, 0, 0);
const JULY = Date.UTC(2026, 6, 15, 12, 0, 0);

async function fieldsOf(settings: Record<string, unknown>, fields: Record<string, unknown>) {
  const def = {
    ...manualFlow(
      [{ id: 'set', type: 'logic.set', name: 'Times', config: { fields } }],
      [{ id: 'e1', source: 'trigger', target: 'set' }],
    ),
    settings,
  };
  const deployed = await deployFlow(t.engine, def);
  const run = await finishedRun(t.engine, runIdOf(await fireEvent(t.engine, deployed, {})));
  expect(run.status).toBe('succeeded');
  const output = run.steps.find((s) => s.nodeId === 'set')?.output as {
    main: Array<Record<string, unknown>>;
  };
  return output.main[0] ?? {};
}

describe('settings.timezone', () => {
  test('$fromMillis and $now write times in the flow’s zone, with its offset at each instant', async () => {
    const out = await fieldsOf(
      { timezone: 'America/New_York' },
      {
        winter: `{{ $fromMillis(${JANUARY}) }}`,
        summer: `{{ $fromMillis(${JULY}) }}`,
        clock: `{{ $fromMillis(${JULY}, '[H01]:[m01]') }}`,
        // a timezone argument still wins
        utc: `{{ $fromMillis(${JULY}, '[H01]:[m01]', '+0000') }}`,
        nowOffset: "{{ $now('[Z01:01]') }}",
        sameInstant: '{{ $now() = $now() }}',
      },
    );
    expect(out).toMatchObject({
      winter: '2026-01-15T07:00:00.000-05:00',
      summer: '2026-07-15T08:00:00.000-04:00',
      clock: '08:00',
      utc: '12:00',
      sameInstant: true,
    });
    // whichever half of the year the test runs in
    expect(['-05:00', '-04:00']).toContain(out.nowOffset);
  });

  test('a flow without a time zone writes UTC, as JSONata does', async () => {
    const out = await fieldsOf({}, { at: `{{ $fromMillis(${JANUARY}) }}` });
    expect(out.at).toBe('2026-01-15T12:00:00.000Z');
  });

  test('a zone without daylight saving and with a half-hour offset', async () => {
    const out = await fieldsOf({ timezone: 'Asia/Kolkata' }, { at: '{{ $fromMillis(0) }}' });
    expect(out.at).toBe('1970-01-01T05:30:00.000+05:30');
  });

  test('a schedule trigger with no zone of its own reads its pattern in the flow’s; its own zone wins', async () => {
    const schedule = (slug: string, config: Record<string, unknown>, settings: Record<string, unknown>) => ({
      name: slug,
      slug,
      settings,
      nodes: [{ id: 'tick', type: 'trigger.schedule', name: 'Tick', config }],
      edges: [],
    });
    const inherits = await deployFlow(
      t.engine,
      schedule('tokyo-morning', { cron: '0 8 * * *' }, { timezone: 'Asia/Tokyo' }),
    );
    const own = await deployFlow(
      t.engine,
      schedule('own-zone', { cron: '0 8 * * *', timezone: 'Europe/Berlin' }, { timezone: 'Asia/Tokyo' }),
    );
    const plain = await deployFlow(t.engine, schedule('plain-utc', { cron: '0 8 * * *' }, {}));
    const zones = await waitFor(async () => {
      const schedulers = await t.engine.schedules.queue.getJobSchedulers();
      const zoneOf = (flowId: string) => schedulers.find((s) => s.key?.includes(flowId))?.tz;
      const found = [zoneOf(inherits.flowId), zoneOf(own.flowId), zoneOf(plain.flowId)];
      return found.every(Boolean) && found;
    });
    expect(zones).toEqual(['Asia/Tokyo', 'Europe/Berlin', 'UTC']);
  });
});
