// A background pass repeated on an interval (the sweeper, retention): one pass at a time, the next an
// interval after the last one ended, a failed pass logged and tried again; stopping waits for a pass under way.
import type { Logger } from './logger.js';

/** Runs `pass` every `intervalMs` (the first after one interval); returns the function that stops it. */
export function runEvery(
  logger: Logger,
  intervalMs: number,
  pass: () => Promise<unknown>,
  failure: string,
): () => Promise<void> {
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    current = pass()
      .catch((err) => logger.warn({ err }, failure))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  let timer = setTimeout(tick, intervalMs);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await current;
  };
}
