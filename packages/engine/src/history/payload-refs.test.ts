// History keeps the event's payload once (core/payload-refs.ts), on real Postgres and Redis: a run whose
// steps hand a large body on — inline at ingest, through a worker's claim of a parked step, and inline after
// it — stores the body in the event alone, yet every answer shows each step's input and output whole, and
// `$steps` and replays read them whole too.
import { schema } from '@tributary/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { replayRun } from '../control/index.js';
import {
  deployFlow,
  finishedRun,
  fireEvent,
  manualFlow,
  runIdOf,
  startTestEngine,
  type TestEngine,
} from '../testing/index.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});

afterAll(async () => {
  await t?.close();
});

/** Bytes of a run's step values as stored (the JSON text of input, output and their references). */
async function storedStepBytes(runId: string): Promise<number> {
  const S = schema.steps;
  const [row] = await t.engine.ctx.db
    .select({
      bytes: sql<number>`coalesce(sum(
        coalesce(length(${S.input}::text), 0) + coalesce(length(${S.output}::text), 0)
        + coalesce(length(${S.inputRefs}::text), 0) + coalesce(length(${S.outputRefs}::text), 0)), 0)`.mapWith(
        Number,
      ),
    })
    .from(S)
    .where(eq(S.runId, runId));
  return row?.bytes ?? 0;
}

describe('the payload stored once', () => {
  test('steps refer to the event payload; run history, $steps and a replay read it whole', async () => {
    const deployed = await deployFlow(
      t.engine,
      manualFlow(
        [
          { id: 'tag', type: 'logic.set', name: 'Tag', config: { fields: { tier: 'gold' } } },
          {
            id: 'gold',
            type: 'logic.if',
            name: 'Is gold',
            config: { condition: "{{ $json.tier = 'gold' }}" },
          },
          { id: 'pause', type: 'logic.delay', name: 'Pause', config: { ms: 20 } },
          {
            id: 'done',
            type: 'logic.set',
            name: 'Done',
            config: { fields: { 'body.seen': true, tierAgain: '{{ $steps.Tag.output.tier }}' } },
          },
        ],
        [
          { id: 'e1', source: 'trigger', target: 'tag' },
          { id: 'e2', source: 'tag', target: 'gold' },
          { id: 'e3', source: 'gold', sourceHandle: 'true', target: 'pause' },
          { id: 'e4', source: 'pause', target: 'done' },
        ],
      ),
    );
    const lines = Array.from({ length: 2000 }, (_, i) => ({
      sku: `SKU-${i}`,
      qty: i % 7,
      note: 'x'.repeat(20),
    }));
    const payload = {
      body: { order: 'o-1', lines },
      headers: { 'content-type': 'application/json', 'user-agent': 'payload-refs-test' },
    };
    const payloadBytes = JSON.stringify(payload).length;
    const runId = runIdOf(await fireEvent(t.engine, deployed, payload));
    const run = await finishedRun(t.engine, runId);
    expect(run.status).toBe('succeeded');

    // every answer as if each step had stored its copies
    const byName = new Map(run.steps.map((s) => [s.name, s]));
    const tagged = { ...payload, tier: 'gold' };
    expect(byName.get('Start')?.output).toEqual({ main: [payload] });
    expect(byName.get('Tag')?.input).toEqual(payload);
    expect(byName.get('Tag')?.output).toEqual({ main: [tagged] });
    expect(byName.get('Is gold')?.output).toEqual({ true: [tagged], false: [] });
    expect(byName.get('Pause')?.input).toEqual(tagged);
    expect(byName.get('Pause')?.output).toEqual({ main: [tagged] });
    expect(byName.get('Done')?.output).toEqual({
      main: [{ ...tagged, body: { ...payload.body, seen: true }, tierAgain: 'gold' }],
    });

    // stored: the body once, in the event; the steps' rows only what they changed and their references
    // (Done's new body object holds its lines by reference): under 2 KB for six steps, against 110 KB
    const stored = await storedStepBytes(runId);
    expect(payloadBytes).toBeGreaterThan(100_000);
    expect(stored).toBeLessThan(2_000);
    const [refs] = await t.engine.ctx.db
      .select({
        n: sql<number>`count(*) filter (where ${schema.steps.inputRefs} is not null)`.mapWith(Number),
      })
      .from(schema.steps)
      .where(eq(schema.steps.runId, runId));
    // Tag, Is gold, Pause (claimed by a worker) and Done (planned after it) hold their input by reference
    expect(refs?.n).toBe(4);

    // a replay starts from the same trigger item, read back whole
    const replay = await replayRun(t.engine.ctx, runId, {}, 'test');
    const replayed = await finishedRun(t.engine, replay.id);
    expect(replayed.steps.find((s) => s.name === 'Tag')?.output).toEqual({ main: [tagged] });
  });
});
