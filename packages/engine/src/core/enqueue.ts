// Adding step jobs after a commit: the commit is what counts, so Redis trouble is logged and left to the sweeper.
import type { EngineContext } from './context.js';
import type { StepRef } from './step-queue.js';
import { withTimeout } from './timeouts.js';

/** Adds jobs, but never lets Redis trouble fail a caller whose work is already committed. */
export async function enqueueSafely(ctx: EngineContext, refs: readonly StepRef[]): Promise<void> {
  if (refs.length === 0) return;
  try {
    await withTimeout(ctx.queue.add(refs), ctx.settings.enqueueTimeoutMs, 'adding step jobs');
  } catch (err) {
    ctx.logger.warn({ err, steps: refs.length }, 'could not enqueue steps now; the sweeper will');
  }
}
