// Promise time limits that say which operation ran out of time.

/** Thrown when `withTimeout` gives up waiting. */
export class TimeoutError extends Error {
  readonly code = 'timeout';
}

/**
 * Resolves like `promise`, or rejects with TimeoutError after `ms` (the operation itself goes on); `late`
 * gets the value should it come after the time-out, to give back what nobody waits for any more.
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  options: { late?: (value: T) => void } = {},
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new TimeoutError(`${what} took longer than ${ms} ms`));
    }, ms);
  });
  const { late } = options;
  if (late) {
    promise.then(
      (value) => {
        if (timedOut) late(value);
      },
      () => {},
    );
  }
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
