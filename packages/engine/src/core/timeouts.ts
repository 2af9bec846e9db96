// Promise time limits that say which operation ran out of time.

/** Thrown when `withTimeout` gives up waiting. */
export class TimeoutError extends Error {
  readonly code = 'timeout';
}

/** Resolves like `promise`, or rejects with TimeoutError after `ms` (the operation itself goes on). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
