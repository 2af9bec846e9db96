// Follows a run live: Server-Sent Events from /runs/:id/stream, falling back to polling when the stream fails.
import { apiKey } from '../auth/session';
import { API_BASE } from './client';
import { getRun } from './runs';
import { isFinalRun } from './statuses';
import type { Step, StreamedRun } from './types';

export interface RunStreamHandlers {
  onRun: (run: StreamedRun) => void;
  onStep: (step: Step) => void;
  onEnd: () => void;
  onError: (message: string) => void;
}

const POLL_MS = 1000;

/** Starts following `runId`; the returned function stops it. */
export function followRun(runId: string, handlers: RunStreamHandlers): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // EventSource sends no headers: a key goes in the query; a signed-in user's cookie goes by itself
  const key = apiKey();
  const query = key ? `?access_token=${encodeURIComponent(key)}` : '';
  const source = new EventSource(`${API_BASE}/runs/${runId}/stream${query}`);

  const parse = (event: Event): unknown => {
    // EventSource delivers MessageEvent for named events
    const data = (event as MessageEvent<string>).data;
    return JSON.parse(data);
  };

  const poll = async () => {
    if (stopped) return;
    try {
      const run = await getRun(runId);
      const { steps, ...summary } = run;
      handlers.onRun(summary);
      for (const step of steps) handlers.onStep(step);
      if (isFinalRun(run.status)) {
        stopped = true;
        handlers.onEnd();
        return;
      }
    } catch (err) {
      handlers.onError(err instanceof Error ? err.message : String(err));
    }
    timer = setTimeout(poll, POLL_MS);
  };

  // the stream's JSON comes from the API's run and step schemas
  source.addEventListener('run', (event) => handlers.onRun(parse(event) as StreamedRun));
  source.addEventListener('step', (event) => handlers.onStep(parse(event) as Step));
  source.addEventListener('end', () => {
    source.close();
    // one last read so nothing sent between the last change and the end is missed
    void poll();
  });
  source.onerror = () => {
    if (stopped || source.readyState === EventSource.OPEN) return;
    source.close();
    void poll();
  };

  return () => {
    stopped = true;
    source.close();
    if (timer) clearTimeout(timer);
  };
}
