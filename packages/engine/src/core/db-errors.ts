// Recognises Postgres errors by SQLSTATE, through drizzle's wrapping (never by message text).

function sqlState(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && typeof cur === 'object' && cur !== null; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether the error is a unique-constraint violation (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === '23505';
}

/** Whether Postgres canceled the statement (SQLSTATE 57014: its statement_timeout, say); nothing of it stays. */
export function isCanceledStatement(err: unknown): boolean {
  return sqlState(err) === '57014';
}

/** Whether Postgres refused text it cannot store (SQLSTATE 22P05: a \u0000 in JSON, say). */
export function isUntranslatableText(err: unknown): boolean {
  return sqlState(err) === '22P05';
}

/** Whether the error says the database cannot be reached or is going away. */
export function isConnectionError(err: unknown): boolean {
  const state = sqlState(err);
  if (state?.startsWith('08') || state === '57P01' || state === '57P03') return true;
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && typeof cur === 'object' && cur !== null; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      [
        'ECONNREFUSED',
        'ECONNRESET',
        // a write to a socket Postgres has closed its end of (the driver rejects the statement with it and
        // leaves the connection unusable until its close is seen): Postgres stopping, a restart, a failover
        'EPIPE',
        // a write to a socket already destroyed
        'ERR_STREAM_DESTROYED',
        'ETIMEDOUT',
        'CONNECT_TIMEOUT',
        'CONNECTION_CLOSED',
        'CONNECTION_ENDED',
        'CONNECTION_DESTROYED',
      ].includes(code)
    )
      return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** Whether the error came from Postgres or the connection to it (not from a node or an expression). */
export function isDatabaseError(err: unknown): boolean {
  return isConnectionError(err) || sqlState(err) !== undefined;
}
