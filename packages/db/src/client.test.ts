// The client factory opens both drivers on the same schema.

import { fromJsonRow, JSON_CHUNK_ROWS, jsonRows, newId, schema, selectRows } from '@tributary/db';
import { createTestDatabase, type TestDatabase } from '@tributary/db/testing';
import { eq, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';

for (const kind of ['postgres', 'pglite'] as const) {
  describe(`on ${kind}`, () => {
    let tdb: TestDatabase;
    beforeAll(async () => {
      tdb = await createTestDatabase(inject('templateDatabase'), kind);
    });
    afterAll(async () => {
      await tdb.dispose();
    });

    /** Inserts events through jsonRows and reads back those of `source`, in id order. */
    async function insertWithJsonRows(rows: Array<typeof schema.events.$inferInsert>, source: string) {
      const { db } = tdb.handle;
      const { columns, select } = jsonRows(schema.events, rows);
      await db.execute(sql`insert into ${schema.events} ${columns} ${select}`);
      return db
        .select()
        .from(schema.events)
        .where(eq(schema.events.source, source))
        .orderBy(schema.events.id);
    }

    test('writes and reads an event with a time-ordered id', async () => {
      const { db } = tdb.handle;
      const first = newId();
      const second = newId();
      expect(second > first).toBe(true);
      await db.insert(schema.events).values({ id: first, source: 'test', type: 'ping', payload: { a: 1 } });
      const rows = await db.select().from(schema.events).where(eq(schema.events.id, first));
      expect(rows[0]?.payload).toEqual({ a: 1 });
    });

    test('rejects a second event with the same source and idempotency key', async () => {
      const { db } = tdb.handle;
      const values = { source: 'test', type: 'ping', payload: {}, idempotencyKey: 'k1' };
      await db.insert(schema.events).values({ id: newId(), ...values });
      await expect(db.insert(schema.events).values({ id: newId(), ...values })).rejects.toThrow();
    });

    test('indexes leave out what no lookup asks for, and still serve the lookups', async () => {
      const { db } = tdb.handle;
      const defs = await selectRows<{ indexname: string; indexdef: string }>(
        db,
        sql`select indexname, indexdef from pg_indexes where indexname in ('events_user_idx', 'events_anonymous_idx', 'events_name_idx', 'runs_status_idx') order by indexname`,
      );
      // the tracking columns, null on every webhook event; the runs' status, but for the succeeded (most) runs
      expect(defs.map((r) => [r.indexname, /WHERE (.*)$/.exec(r.indexdef)?.[1]])).toEqual([
        ['events_anonymous_idx', '(anonymous_id IS NOT NULL)'],
        ['events_name_idx', '(name IS NOT NULL)'],
        ['events_user_idx', '(user_id IS NOT NULL)'],
        ['runs_status_idx', "(status <> 'succeeded'::text)"],
      ]);
      // lookups by value (as profiles, waits, the event log and open-run checks make them) still use them
      const plan = async (query: ReturnType<typeof sql>) =>
        db.transaction(async (tx) => {
          await tx.execute(sql`set local enable_seqscan = off`);
          return (await selectRows<{ 'QUERY PLAN': string }>(tx, sql`explain ${query}`))
            .map((r) => r['QUERY PLAN'])
            .join('\n');
        });
      const events = await plan(
        sql`select id from events where user_id = ${'u1'} or anonymous_id in (${'a1'}, ${'a2'}) or name = ${'Signed Up'}`,
      );
      expect(events).toContain('events_user_idx');
      expect(events).toContain('events_anonymous_idx');
      expect(events).toContain('events_name_idx');
      expect(await plan(sql`select id from runs where status in ('queued', 'running', 'waiting')`)).toContain(
        'runs_status_idx',
      );
    });

    test('jsonRows inserts many rows as one parameter and fromJsonRow reads row_to_json back as typed rows', async () => {
      const { db } = tdb.handle;
      const receivedAt = new Date('2026-12-01T10:20:30.456Z');
      const rows = [
        {
          id: newId(),
          source: 'json-rows',
          type: 'a',
          payload: { nested: [1, { b: null }] },
          receivedAt,
          name: null,
        },
        { id: newId(), source: 'json-rows', type: 'b', payload: 'just text', receivedAt, name: 'Named' },
        { id: newId(), source: 'json-rows', type: 'c', payload: 42, receivedAt, name: 'it\'s "quoted"' },
      ];
      const stored = await insertWithJsonRows(rows, 'json-rows');
      expect(stored.map((r) => [r.type, r.payload, r.name, r.receivedAt.toISOString()])).toEqual([
        ['a', { nested: [1, { b: null }] }, null, receivedAt.toISOString()],
        ['b', 'just text', 'Named', receivedAt.toISOString()],
        ['c', 42, 'it\'s "quoted"', receivedAt.toISOString()],
      ]);
      const [back] = await selectRows<{ row: Record<string, unknown> }>(
        db,
        sql`select row_to_json(e) as row from ${schema.events} e where e.id = ${rows[1]?.id ?? ''}`,
      );
      expect(fromJsonRow(schema.events, back?.row ?? {})).toEqual(stored[1]);
    });

    test('jsonRows sends a large batch as texts of JSON_CHUNK_ROWS rows read with union all, and stores every row once', async () => {
      const count = 2 * JSON_CHUNK_ROWS + 7;
      const rows = Array.from({ length: count }, (_, i) => ({
        id: newId(),
        source: 'json-rows-chunks',
        type: `t${i}`,
        payload: { i, text: 'x'.repeat(i % 50) },
      }));
      const { params, sql: text } = new PgDialect().sqlToQuery(jsonRows(schema.events, rows).select);
      expect(params).toHaveLength(3);
      expect(text.match(/union all/g)).toHaveLength(2);
      expect(
        new PgDialect().sqlToQuery(jsonRows(schema.events, rows.slice(0, JSON_CHUNK_ROWS)).select).params,
      ).toHaveLength(1);
      const stored = await insertWithJsonRows(rows, 'json-rows-chunks');
      expect(stored.map((r) => [r.id, r.type, r.payload])).toEqual(
        rows.map((r) => [r.id, r.type, r.payload]),
      );
    });

    test('jsonRows writes each Date as its own instant, an invalid Date as null, and leaves the rows as they were', async () => {
      const first = new Date('2026-12-01T10:20:30.001Z');
      const second = new Date('2026-12-01T10:20:30.002Z');
      // alternating instants, one shared Date object, a Date inside a payload, an invalid Date
      const rows = [first, second, first, second].map((receivedAt, i) => ({
        id: newId(),
        source: 'json-rows-dates',
        type: `t${i}`,
        payload: { at: receivedAt },
        receivedAt,
        occurredAt: i === 3 ? new Date(Number.NaN) : receivedAt,
      }));
      const stored = await insertWithJsonRows(rows, 'json-rows-dates');
      expect(
        stored.map((r) => [r.receivedAt.toISOString(), r.occurredAt?.toISOString() ?? null, r.payload]),
      ).toEqual([
        [first.toISOString(), first.toISOString(), { at: first.toISOString() }],
        [second.toISOString(), second.toISOString(), { at: second.toISOString() }],
        [first.toISOString(), first.toISOString(), { at: first.toISOString() }],
        [second.toISOString(), null, { at: second.toISOString() }],
      ]);
      expect(rows.every((r) => r.receivedAt instanceof Date && r.occurredAt instanceof Date)).toBe(true);
    });
  });
}
