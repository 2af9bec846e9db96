// The client factory opens both drivers on the same schema.

import { newId, schema } from '@tributary/db';
import { createTestDatabase, type TestDatabase } from '@tributary/db/testing';
import { eq } from 'drizzle-orm';
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
  });
}
