// Batched ingest on real Postgres and Redis: concurrent events share transactions, yet each answer matches
// exactly what was stored; a payload Postgres refuses fails alone; a key repeated in a batch is one event.
import { schema } from '@tributary/db';
import { BadRequestError } from '@tributary/flow';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { getRun } from '../history/index.js';
import { deployFlow, startTestEngine, type TestEngine, waitFor } from '../testing/index.js';
import { ingest } from './ingest.js';

let t: TestEngine;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
});

afterAll(async () => {
  await t?.close();
});

async function batchSizes(): Promise<{ transactions: number; events: number }> {
  const metric = await t.engine.ctx.metrics.ingestBatchSize.get();
  const count = metric.values.find((v) => v.metricName === 'tributary_ingest_batch_size_count')?.value ?? 0;
  const sum = metric.values.find((v) => v.metricName === 'tributary_ingest_batch_size_sum')?.value ?? 0;
  return { transactions: count, events: sum };
}

describe('batched ingest', () => {
  test('concurrent events share transactions; each answer matches its stored event, run and steps', async () => {
    const deployed = await deployFlow(t.engine, {
      name: 'Batch',
      slug: 'batch',
      nodes: [
        { id: 'trigger', type: 'trigger.manual', name: 'Start', config: {} },
        { id: 'set', type: 'logic.set', name: 'Mark', config: { fields: { marked: true } } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'set' }],
    });
    const before = await batchSizes();
    const fire = (payload: Record<string, unknown>, idempotencyKey?: string) =>
      ingest(t.engine.ctx, {
        source: 'test',
        type: 'test',
        idempotencyKey,
        payload,
        targets: [{ ...deployed, item: payload }],
      });
    const count = 150;
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: count }, (_, seq) => fire({ seq })),
      fire({ seq: 'bad', text: 'nul \u0000 here' }),
      fire({ seq: 'twice-a' }, 'same-key'),
      fire({ seq: 'twice-b' }, 'same-key'),
    ]);
    const after = await batchSizes();
    expect(after.events - before.events).toBeGreaterThanOrEqual(count + 3);
    // fewer transactions than events: requests that arrived together were written together
    expect(after.transactions - before.transactions).toBeLessThan(count);

    const bad = outcomes[count];
    expect(bad?.status).toBe('rejected');
    expect(bad?.status === 'rejected' && bad.reason).toBeInstanceOf(BadRequestError);
    expect(bad?.status === 'rejected' && (bad.reason as BadRequestError).code).toBe('unstorable_payload');

    const accepted = outcomes.slice(0, count).map((o) => {
      if (o.status !== 'fulfilled') throw new Error(`an event was refused: ${String(o.reason)}`);
      return o.value;
    });
    const db = t.engine.ctx.db;
    const stored = await db
      .select({ id: schema.events.id, payload: schema.events.payload })
      .from(schema.events)
      .where(eq(schema.events.source, 'test'));
    const payloadOf = new Map(stored.map((e) => [e.id, e.payload]));
    accepted.forEach((result, seq) => {
      expect(result.duplicate).toBe(false);
      expect(payloadOf.get(result.eventId)).toEqual({ seq });
    });
    // the refused event left nothing behind
    expect(stored.filter((e) => (e.payload as { seq?: unknown }).seq === 'bad')).toHaveLength(0);

    const [a, b] = outcomes.slice(count + 1).map((o) => (o.status === 'fulfilled' ? o.value : undefined));
    expect(a?.eventId).toBeDefined();
    expect(b?.eventId).toBe(a?.eventId);
    expect([a?.duplicate, b?.duplicate].sort()).toEqual([false, true]);
    expect(b?.runs).toEqual(a?.runs);
    expect(
      stored.filter((e) => String((e.payload as { seq?: unknown }).seq).startsWith('twice')),
    ).toHaveLength(1);

    // every accepted event's run finishes with its own item
    const last = accepted.at(-1)?.runs[0]?.id ?? '';
    await waitFor(async () => (await getRun(db, last)).status === 'succeeded', { what: 'the last run' });
    for (const seq of [0, 74, 149]) {
      const runId = accepted[seq]?.runs[0]?.id ?? '';
      const run = await waitFor(
        async () => {
          const r = await getRun(db, runId);
          return r.status === 'succeeded' ? r : undefined;
        },
        { what: `run of event ${seq}` },
      );
      expect(run.steps.find((s) => s.nodeId === 'set')?.output).toEqual({ main: [{ seq, marked: true }] });
    }
  });
});
