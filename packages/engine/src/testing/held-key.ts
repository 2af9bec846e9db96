// An idempotency key held by another transaction: an engine insert of the same (source, key) waits on the
// events' unique index until the holder rolls back — how tests make an ingest commit wait on a real Postgres
// (Postgres only: PGlite runs one transaction at a time, so the engine would wait for the holder itself).
import { type Database, newId, schema } from '@tributary/db';

export interface HeldKey {
  /** Rolls the holding transaction back: the waiting insert goes on. */
  release(): Promise<void>;
}

/** Inserts an event with (source, key) in a transaction of `db`'s pool and keeps it open until release(). */
export async function holdIdempotencyKey(db: Database, source: string, key: string): Promise<HeldKey> {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let inserted = () => {};
  const ready = new Promise<void>((resolve) => {
    inserted = resolve;
  });
  const holding = db.transaction(async (tx) => {
    await tx
      .insert(schema.events)
      .values({ id: newId(), source, type: 'test', idempotencyKey: key, payload: {} });
    inserted();
    await released;
    throw new Error('roll back the held key');
  });
  // an insert that fails ends the transaction before it is ready
  await Promise.race([ready, holding]);
  return {
    async release() {
      release();
      await holding.catch(() => {});
    },
  };
}
