// Frequency caps and quiet hours on real Postgres and Redis: a step with a channel tag at its person's cap takes
// the `capped` port (counted across flows) or waits until a slot frees up; two workers racing for one person
// let exactly the cap's number of sends through; a send counts once across retries and is given back when the
// step fails for good; quiet hours delay a step to their end on the person's clock (a profile trait, else the
// flow's zone).
import { randomUUID } from 'node:crypto';
import { schema } from '@tributary/db';
import { parseAllowList } from '@tributary/nodes';
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import { createLogger } from '../core/index.js';
import { createEngine, type Engine } from '../engine.js';
import { getRun } from '../history/index.js';
import { createFrequencyCap, deleteFrequencyCap, listFrequencyCaps } from '../sending/index.js';
import {
  deployFlow,
  startTestEngine,
  TEST_KEYRING,
  TEST_REDIS_URL,
  type TestEngine,
  waitFor,
} from '../testing/index.js';
import { ingestTracking, type TrackingMessage } from '../tracking/index.js';

let t: TestEngine;
/** A second engine with its own worker on the same database and queues: another worker process, in-process. */
let other: Engine;
let peer: HttpPeer;
const sourceId = randomUUID();
const DAY_MS = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
  other = createEngine({
    db: t.database.handle,
    redisUrl: TEST_REDIS_URL,
    queuePrefix: t.prefix,
    logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    httpAllow: parseAllowList('127.0.0.1'),
    keyring: TEST_KEYRING,
    defaultMetrics: false,
  });
  other.startWorker({ concurrency: 20, stalledIntervalMs: 30_000, lockDurationMs: 30_000 });
  peer = await startHttpPeer();
});

afterEach(async () => {
  for (const cap of await listFrequencyCaps(t.engine.ctx.db)) {
    await deleteFrequencyCap(t.engine.ctx.db, cap.id, 'test');
  }
  peer.reset();
});

afterAll(async () => {
  await other?.close();
  await peer?.close();
  await t?.close();
});

function message(type: TrackingMessage['type'], fields: Record<string, unknown>): TrackingMessage {
  const now = new Date().toISOString();
  const messageId = randomUUID();
  return {
    type,
    messageId,
    timestamp: now,
    receivedAt: now,
    ...fields,
    payload: { type, messageId, timestamp: now, receivedAt: now, ...fields },
  };
}

const track = (userId: string, event: string) => message('track', { userId, event, properties: {} });

let n = 0;
/** A flow started by a track event that sends (an HTTP call to the peer, tagged) then notes what happened. */
function sendingFlow(event: string, send: Record<string, unknown>, settings: Record<string, unknown> = {}) {
  n += 1;
  const capped = send.channel !== undefined && send.onCap !== 'wait';
  return {
    name: `Welcome ${n}`,
    slug: `welcome-${n}`,
    nodes: [
      { id: 'start', type: 'trigger.tracking', name: 'Event', config: { type: 'track', events: [event] } },
      {
        id: 'send',
        type: 'action.http',
        name: 'Send',
        config: { url: `${peer.url}/send/${n}/{{ $event.payload.userId }}` },
        ...send,
      },
      { id: 'sent', type: 'logic.set', name: 'Sent', config: { fields: { outcome: 'sent' } } },
      ...(capped
        ? [{ id: 'skipped', type: 'logic.set', name: 'Skipped', config: { fields: { outcome: 'capped' } } }]
        : []),
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'send' },
      { id: 'e2', source: 'send', target: 'sent' },
      ...(capped ? [{ id: 'e3', source: 'send', sourceHandle: 'capped', target: 'skipped' }] : []),
    ],
    settings,
  };
}

async function runOf(flowId: string, userId: string, final = true) {
  const found = await waitFor(
    async () => {
      const rows = await t.engine.ctx.db
        .select({ id: schema.runs.id, status: schema.runs.status })
        .from(schema.runs)
        .innerJoin(schema.events, eq(schema.events.id, schema.runs.eventId))
        .where(and(eq(schema.runs.flowId, flowId), eq(schema.events.userId, userId)));
      const row = rows[0];
      if (!row) return undefined;
      if (final && !['succeeded', 'failed', 'canceled'].includes(row.status)) return undefined;
      return row;
    },
    { timeoutMs: 20_000, what: `the run of ${userId}` },
  );
  return getRun(t.engine.ctx.db, found.id);
}

function stepOf(run: Awaited<ReturnType<typeof getRun>>, nodeId: string) {
  const step = run.steps.find((s) => s.nodeId === nodeId);
  if (!step) throw new Error(`no step of ${nodeId}`);
  return step;
}

async function heldOf(stepId: string) {
  const [row] = await t.engine.ctx.db
    .select({ state: schema.steps.state, dueAt: schema.steps.dueAt, status: schema.steps.status })
    .from(schema.steps)
    .where(eq(schema.steps.id, stepId));
  return {
    held: row?.state?.held as Record<string, unknown> | undefined,
    dueAt: row?.dueAt,
    status: row?.status,
  };
}

/** Deliveries held back with these labels, counted by both engines (either one's worker may take a step). */
async function heldCount(labels: Record<string, string>): Promise<number> {
  let total = 0;
  for (const engine of [t.engine, other]) {
    for (const v of (await engine.ctx.metrics.stepsHeld.get()).values) {
      const seen: Partial<Record<string, string | number>> = v.labels;
      if (Object.entries(labels).every(([k, want]) => seen[k] === want)) total += v.value;
    }
  }
  return total;
}

function sendsTo(userId: string) {
  return peer.requests.filter((r) => r.url.endsWith(`/${userId}`));
}

async function countedRows(person: string) {
  return t.engine.ctx.db
    .select()
    .from(schema.frequencyCapSends)
    .where(eq(schema.frequencyCapSends.person, person));
}

describe('frequency caps', () => {
  test('at the cap a tagged step takes the capped port without sending, counted across flows', async () => {
    await createFrequencyCap(t.engine.ctx.db, { channel: 'email', limit: 1, periodMs: DAY_MS }, 'test');
    const welcome = await deployFlow(t.engine, sendingFlow('Signed Up', { channel: 'email' }));
    const trial = await deployFlow(t.engine, sendingFlow('Trial Started', { channel: 'email' }));
    const untagged = await deployFlow(t.engine, sendingFlow('Trial Started', {}));

    await ingestTracking(t.engine.ctx, sourceId, [track('ann', 'Signed Up')]);
    const first = await runOf(welcome.flowId, 'ann');
    expect(stepOf(first, 'sent').status).toBe('succeeded');

    await ingestTracking(t.engine.ctx, sourceId, [
      track('ann', 'Trial Started'),
      track('bob', 'Trial Started'),
    ]);
    const capped = await runOf(trial.flowId, 'ann');
    expect(capped.status).toBe('succeeded');
    const send = stepOf(capped, 'send');
    expect(send.output).toEqual({ capped: [expect.objectContaining({ event: 'Trial Started' })] });
    expect(stepOf(capped, 'skipped').status).toBe('succeeded');
    expect(stepOf(capped, 'sent').status).toBe('skipped');
    const { held } = await heldOf(send.id);
    expect(held).toMatchObject({ rule: 'frequencyCap', outcome: 'capped', channel: 'email', limit: 1 });
    const sentAt = (await countedRows('userId:ann'))[0]?.sentAt.getTime() ?? 0;
    expect(held?.until).toBe(new Date(sentAt + DAY_MS).toISOString());
    expect(await heldCount({ rule: 'frequencyCap', outcome: 'capped', channel: 'email' })).toBe(1);

    // another person is not held back, and a step without a channel tag is not counted
    expect(stepOf(await runOf(trial.flowId, 'bob'), 'sent').status).toBe('succeeded');
    expect(stepOf(await runOf(untagged.flowId, 'ann'), 'sent').status).toBe('succeeded');
    const annSends = sendsTo('ann').map((r) => r.url.split('/')[2]);
    expect(annSends.sort()).toEqual([String(n - 2), String(n)].sort());
    expect(await countedRows('userId:ann')).toHaveLength(1);
  });

  test('two workers racing for one person in two flows let exactly the cap through', async () => {
    await createFrequencyCap(t.engine.ctx.db, { channel: 'sms', limit: 1, periodMs: DAY_MS }, 'test');
    const flows = [
      await deployFlow(t.engine, sendingFlow('Joined', { channel: 'sms' })),
      await deployFlow(t.engine, sendingFlow('Joined', { channel: 'sms' })),
    ];
    await other.flowsChanged();
    const people = Array.from({ length: 8 }, (_, i) => `racer-${i}`);
    // one event per person starts a run in each flow at the same moment; both engines' workers take them
    await ingestTracking(
      t.engine.ctx,
      sourceId,
      people.map((p) => track(p, 'Joined')),
    );
    for (const person of people) {
      const outcomes = [];
      for (const flow of flows) {
        const run = await runOf(flow.flowId, person);
        outcomes.push(Object.keys(stepOf(run, 'send').output as object)[0]);
      }
      expect(outcomes.sort()).toEqual(['capped', 'main']);
      expect(sendsTo(person)).toHaveLength(1);
      expect(await countedRows(`userId:${person}`)).toHaveLength(1);
    }
  });

  test('in wait mode the step waits until the oldest send leaves the period, then sends', async () => {
    const periodMs = 1500;
    await createFrequencyCap(t.engine.ctx.db, { channel: 'push', limit: 1, periodMs }, 'test');
    const flow = await deployFlow(t.engine, sendingFlow('Pinged', { channel: 'push', onCap: 'wait' }));
    await ingestTracking(t.engine.ctx, sourceId, [track('cat', 'Pinged')]);
    await waitFor(() => sendsTo('cat').length === 1, { what: 'the first send' });
    await ingestTracking(t.engine.ctx, sourceId, [track('cat', 'Pinged')]);
    const firstSentAt = await waitFor(async () => (await countedRows('userId:cat'))[0]?.sentAt);
    const waiting = await waitFor(async () => {
      const rows = await t.engine.ctx.db
        .select({ id: schema.steps.id, status: schema.steps.status })
        .from(schema.steps)
        .innerJoin(schema.runs, eq(schema.runs.id, schema.steps.runId))
        .where(and(eq(schema.runs.flowId, flow.flowId), eq(schema.steps.nodeId, 'send')));
      return rows.find((r) => r.status === 'waiting');
    });
    const { held, dueAt } = await heldOf(waiting.id);
    const until = firstSentAt.getTime() + periodMs;
    expect(held).toMatchObject({ rule: 'frequencyCap', outcome: 'delayed', channel: 'push', periodMs });
    expect(held?.until).toBe(new Date(until).toISOString());
    expect(dueAt?.getTime()).toBe(until);
    expect(sendsTo('cat')).toHaveLength(1);
    // after the period it runs: the second send is made and counted
    await waitFor(() => sendsTo('cat').length === 2, { what: 'the second send' });
    await waitFor(async () => (await heldOf(waiting.id)).status === 'succeeded');
    expect(await countedRows('userId:cat')).toHaveLength(2);
  });

  test('a send counts once across retries and is given back when the step fails for good', async () => {
    await createFrequencyCap(t.engine.ctx.db, { channel: 'email', limit: 1, periodMs: DAY_MS }, 'test');
    let failures = 0;
    peer.handle((req, res) => {
      if (req.url.includes('/dan') && failures < 1) {
        failures += 1;
        res.statusCode = 503;
        return res.end('busy');
      }
      if (req.url.includes('/eve')) {
        res.statusCode = 500;
        return res.end('broken');
      }
      res.end('ok');
    });
    const retry = { attempts: 2, backoff: 'fixed', delayMs: 50, jitter: false };
    const flow = await deployFlow(t.engine, sendingFlow('Retried', { channel: 'email', retry }));
    await ingestTracking(t.engine.ctx, sourceId, [track('dan', 'Retried'), track('eve', 'Retried')]);
    const dan = await runOf(flow.flowId, 'dan');
    expect(stepOf(dan, 'send').attempts).toHaveLength(2);
    expect(stepOf(dan, 'sent').status).toBe('succeeded');
    expect(await countedRows('userId:dan')).toHaveLength(1);
    const eve = await runOf(flow.flowId, 'eve');
    expect(stepOf(eve, 'send').status).toBe('dead');
    expect(await countedRows('userId:eve')).toHaveLength(0);
  });
});

/** The time of day `minutes` from now on the clock of `zone`, as HH:MM (whole minutes). */
function clockIn(zone: string, minutes: number, now: number): string {
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(now + minutes * 60_000);
  return text;
}

describe('quiet hours', () => {
  test('delay a tagged step to their end on the person’s clock, from a profile trait or the flow’s zone', async () => {
    const now = Date.now();
    // quiet from an hour ago to two hours ahead on Kolkata's clock (+05:30, no DST): Tokyo's clock (+09:00)
    // is then 90 minutes past their end
    const quietHours = { start: clockIn('Asia/Kolkata', -60, now), end: clockIn('Asia/Kolkata', 120, now) };
    const endsAt = Math.floor(now / 60_000) * 60_000 + 120 * 60_000;
    const flow = await deployFlow(
      t.engine,
      sendingFlow('Quiet', { channel: 'email' }, { quietHours, timezone: 'Asia/Tokyo' }),
    );
    await ingestTracking(t.engine.ctx, sourceId, [
      message('identify', { userId: 'kiran', traits: { timezone: 'Asia/Kolkata' } }),
      message('identify', { userId: 'mars', traits: { timezone: 'Mars/Olympus' } }),
    ]);
    await ingestTracking(t.engine.ctx, sourceId, [
      track('kiran', 'Quiet'),
      track('mars', 'Quiet'),
      track('yuki', 'Quiet'),
    ]);
    const kiran = await runOf(flow.flowId, 'kiran', false);
    const parked = await waitFor(async () => {
      const state = await heldOf(stepOf(await getRun(t.engine.ctx.db, kiran.id), 'send').id);
      return state.status === 'waiting' ? state : undefined;
    });
    expect(parked.held).toEqual({
      rule: 'quietHours',
      outcome: 'delayed',
      channel: 'email',
      until: new Date(endsAt).toISOString(),
      start: quietHours.start,
      end: quietHours.end,
      zone: 'Asia/Kolkata',
    });
    expect(parked.dueAt?.getTime()).toBe(endsAt);
    // a trait that is no time zone, and no profile at all: the flow's zone, where the hours are over
    expect(stepOf(await runOf(flow.flowId, 'mars'), 'sent').status).toBe('succeeded');
    expect(stepOf(await runOf(flow.flowId, 'yuki'), 'sent').status).toBe('succeeded');
    expect(sendsTo('kiran')).toHaveLength(0);
    // a delayed step took no send against the caps
    expect(await countedRows('userId:kiran')).toHaveLength(0);
  });

  test('without a profile the flow’s zone decides', async () => {
    const now = Date.now();
    const quietHours = { start: clockIn('Asia/Tokyo', -10, now), end: clockIn('Asia/Tokyo', 50, now) };
    const endsAt = Math.floor(now / 60_000) * 60_000 + 50 * 60_000;
    const flow = await deployFlow(
      t.engine,
      sendingFlow('Hushed', { channel: 'sms' }, { quietHours, timezone: 'Asia/Tokyo' }),
    );
    await ingestTracking(t.engine.ctx, sourceId, [track('noprofile', 'Hushed')]);
    const run = await runOf(flow.flowId, 'noprofile', false);
    const parked = await waitFor(async () => {
      const state = await heldOf(stepOf(await getRun(t.engine.ctx.db, run.id), 'send').id);
      return state.status === 'waiting' ? state : undefined;
    });
    expect(parked.held).toMatchObject({ rule: 'quietHours', zone: 'Asia/Tokyo' });
    expect(parked.dueAt?.getTime()).toBe(endsAt);
  });
});
