// The answer of a webhook trigger in respondNode mode: what the run's first Respond to webhook step said,
// found in Postgres (the step may run in any worker process) by polling with backoff until the trigger's
// timeout. 502 when the run ends without answering, 504 when no answer comes in time; the run goes on.
import { FINAL_RUN_STATUSES, isIn } from '@tributary/db';
import { webhookAnswerOf } from '@tributary/engine';
import type { AppDeps } from '../app-env.js';
import { problemResponse } from '../problem.js';

/**
 * Always on an answer a flow writes: it is served from Tributary's own origin, where the editor's session
 * lives, so an HTML body must not run script there or be sniffed into something else.
 */
const ANSWER_GUARD_HEADERS = {
  'content-security-policy': "sandbox; default-src 'none'",
  'x-content-type-options': 'nosniff',
};

const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;

/** Waits for the run's answer and sends it; a problem answer when there is none. */
export async function respondNodeAnswer(deps: AppDeps, runId: string, timeoutMs: number): Promise<Response> {
  const { db } = deps.engine.ctx;
  const runHeader = { 'x-tributary-run-id': runId };
  const instance = `/api/v1/runs/${runId}`;
  const deadline = Date.now() + timeoutMs;
  let delay = FIRST_POLL_MS;
  for (;;) {
    const found = await webhookAnswerOf(db, runId);
    const response = found?.response;
    if (response) {
      return new Response(response.body === '' ? null : response.body, {
        status: response.status,
        headers: { ...response.headers, ...ANSWER_GUARD_HEADERS, ...runHeader },
      });
    }
    if (!found || isIn(FINAL_RUN_STATUSES, found.status)) {
      return problemResponse(
        502,
        'no_response',
        `the run ended ${found?.status ?? 'deleted'} without a Respond to webhook step answering`,
        { instance, headers: runHeader },
      );
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
  return problemResponse(
    504,
    'response_timeout',
    `no Respond to webhook step answered within ${timeoutMs} ms; the run goes on (see instance)`,
    { instance, headers: runHeader },
  );
}
