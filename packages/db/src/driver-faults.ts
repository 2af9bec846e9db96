// Known faults of the Postgres driver that must not take the process down.
//
// postgres.js (3.4.x, up to 3.4.9 at least) batches small writes with setImmediate; when the server closes
// the connection in between — Postgres restarting, a failover, a proxy dropping it — `closed()` sets the
// socket to null and has already rejected that connection's queries (CONNECTION_CLOSED), and then the
// scheduled write runs against the null socket and throws from the immediate callback, outside any promise:
// an uncaught TypeError that ends the process (upstream: porsager/postgres issues 1066, 1154, 1208). The
// write it was about to send belongs to queries that have already failed, so nothing is lost by going on.

/** Whether `err` is postgres.js writing to a connection that has already closed (harmless once caught). */
export function isClosedConnectionWrite(err: unknown): boolean {
  if (!(err instanceof TypeError)) return false;
  if (!/reading 'write'|evaluating 'socket\.write'/.test(err.message)) return false;
  const stack = err.stack ?? '';
  return /nextWrite/.test(stack) && /postgres[\\/]src[\\/]connection\.js/.test(stack);
}

// postgres.js (3.4.9) also reads the database's array types as each connection starts, from a promise nobody
// awaits (fetchArrayTypes). When the connection is cut in that moment — or fails to reconnect after it was,
// the read being left pending — that promise rejects unhandled, carrying the read's SQL text as `query`. The
// connection's own statements fail with it or retry; the read matters only to arrays, and runs again on the
// next connection.

/** Whether `err` is the failure of postgres.js's read of array types as a connection starts. */
export function isArrayTypesReadFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const query = (err as { query?: unknown }).query;
  return (
    typeof query === 'string' &&
    /from pg_catalog\.pg_type a\b/.test(query) &&
    /typcategory = 'A'/.test(query) &&
    /b\.typarray/.test(query)
  );
}
