// GET /api/v1/runs/:id/stream — Server-Sent Events: the run and each step as they change, then `end`.
import type { Queryable } from '@tributary/db';
import { FINAL_RUN_STATUSES, isIn } from '@tributary/db';
import { getRun } from '@tributary/engine';
import { BadRequestError } from '@tributary/flow';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';

const POLL_MS = 200;
/** A stream ends after this long even if the run does not (clients reconnect). */
const MAX_STREAM_MS = 10 * 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Streams a run's changes by polling Postgres, which is the source of truth whatever process runs the steps. */
export async function streamRun(c: Context, db: Queryable, runId: string): Promise<Response> {
  if (!UUID.test(runId)) throw new BadRequestError('the run id is not a UUID');
  // fails with 404 before the stream starts when the run does not exist
  const first = await getRun(db, runId);
  return streamSSE(c, async (stream) => {
    const sent = new Map<string, string>();
    let lastRun = '';
    const deadline = Date.now() + MAX_STREAM_MS;
    let run = first;
    while (!stream.aborted && Date.now() < deadline) {
      const { steps, ...summary } = run;
      const summaryJson = JSON.stringify(summary);
      if (summaryJson !== lastRun) {
        lastRun = summaryJson;
        await stream.writeSSE({ event: 'run', data: summaryJson });
      }
      for (const step of steps) {
        const json = JSON.stringify(step);
        if (sent.get(step.id) !== json) {
          sent.set(step.id, json);
          await stream.writeSSE({ event: 'step', data: json, id: step.id });
        }
      }
      if (isIn(FINAL_RUN_STATUSES, run.status)) {
        await stream.writeSSE({ event: 'end', data: JSON.stringify({ status: run.status }) });
        return;
      }
      await stream.sleep(POLL_MS);
      run = await getRun(db, runId);
    }
  });
}
