// Code steps end to end (real Postgres and Redis, the sandbox's worker threads): output and console lines in
// the run view, a failing code step, no inline run at ingest, and a server that answers while code spins.
import { deployFlow, fireEvent, manualFlow, runIdOf, waitFor } from '@tributary/engine/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { DeadLetter } from './routes/dead-letters.js';
import { type Page, readJson, startTestApp, type TestApp } from './test-app.js';

interface Attempt {
  n: number;
  error: { code: string; message: string; retryable: boolean } | null;
  logs?: { lines: { level: string; text: string }[]; dropped: number };
}
interface Step {
  nodeId: string;
  status: string;
  output: Record<string, unknown[]> | null;
  error: { code: string; message: string } | null;
  attempts: Attempt[];
}
interface RunView {
  status: string;
  steps: Step[];
}

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
});

function codeFlow(code: string, config: Record<string, unknown> = {}) {
  return manualFlow(
    [
      { id: 'code', type: 'logic.code', name: 'Compute', config: { code, ...config } },
      { id: 'tag', type: 'logic.set', name: 'Tag', config: { fields: { tagged: true } } },
    ],
    [
      { id: 'e0', source: 'trigger', target: 'code' },
      { id: 'e1', source: 'code', target: 'tag' },
    ],
  );
}

async function runView(app: TestApp, runId: string): Promise<RunView> {
  const res = await app.call('GET', `/api/v1/runs/${runId}`);
  expect(res.status).toBe(200);
  return (await res.json()) as RunView;
}

async function finished(runId: string): Promise<RunView> {
  return waitFor(
    async () => {
      const run = await runView(api, runId);
      return ['succeeded', 'failed'].includes(run.status) ? run : undefined;
    },
    { timeoutMs: 20_000, what: `run ${runId} to finish` },
  );
}

describe('a code step', () => {
  test('emits the items its code returns and keeps its console lines on the attempt in the run view', async () => {
    const deployed = await deployFlow(
      api.t.engine,
      codeFlow(
        'console.log("order", $json.id, "has", $json.lines.length, "lines");\n' +
          'console.warn("big order");\n' +
          'return $json.lines.map((line) => ({ sku: line.sku, total: line.price * line.qty }));',
      ),
    );
    const runId = runIdOf(
      await fireEvent(api.t.engine, deployed, {
        id: 'o-1',
        lines: [
          { sku: 'A', price: 2, qty: 3 },
          { sku: 'B', price: 5, qty: 1 },
        ],
      }),
    );
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    const code = run.steps.find((s) => s.nodeId === 'code');
    expect(code?.output).toEqual({
      main: [
        { sku: 'A', total: 6 },
        { sku: 'B', total: 5 },
      ],
    });
    expect(code?.attempts).toHaveLength(1);
    expect(code?.attempts[0]?.logs).toEqual({
      lines: [
        { level: 'log', text: 'order o-1 has 2 lines' },
        { level: 'warn', text: 'big order' },
      ],
      dropped: 0,
    });
    const tagged = run.steps.filter((s) => s.nodeId === 'tag').map((s) => s.output?.main?.[0]);
    expect(tagged).toEqual(
      expect.arrayContaining([
        { sku: 'A', total: 6, tagged: true },
        { sku: 'B', total: 5, tagged: true },
      ]),
    );
  });

  test('fails with the code’s error and line, once, keeping what it printed, and dead-letters the step', async () => {
    const deployed = await deployFlow(
      api.t.engine,
      codeFlow(
        'console.log("checking", $json.sku);\nif (!$json.qty) {\n  throw new Error("qty is missing");\n}',
      ),
    );
    const runId = runIdOf(await fireEvent(api.t.engine, deployed, { sku: 'A' }));
    const run = await finished(runId);
    expect(run.status).toBe('failed');
    const code = run.steps.find((s) => s.nodeId === 'code');
    expect(code?.status).toBe('dead');
    expect(code?.error).toMatchObject({ code: 'code_error', message: 'Error: qty is missing (line 3)' });
    expect(code?.attempts).toHaveLength(1);
    expect(code?.attempts[0]?.error?.retryable).toBe(false);
    expect(code?.attempts[0]?.logs?.lines).toEqual([{ level: 'log', text: 'checking A' }]);
    const letters = await readJson<Page<DeadLetter>>(
      await api.call('GET', `/api/v1/dead-letters?flowId=${deployed.flowId}`),
    );

    expect(letters.items).toHaveLength(1);
  });

  test('is never run inline while its event is accepted', async () => {
    const noWorker = await startTestApp(inject('templateDatabase'), {}, { worker: false });
    try {
      const deployed = await deployFlow(noWorker.t.engine, codeFlow('return [$json];'));
      const runId = runIdOf(await fireEvent(noWorker.t.engine, deployed, { a: 1 }));
      const run = await runView(noWorker, runId);
      expect(run.steps.find((s) => s.nodeId === 'code')).toMatchObject({ status: 'queued', output: null });
    } finally {
      await noWorker.close();
    }
  });

  test('leaves the server answering health checks within 100 ms while its code spins', async () => {
    const deployed = await deployFlow(api.t.engine, codeFlow('for (;;) {}', { timeoutMs: 1_500 }));
    const runId = runIdOf(await fireEvent(api.t.engine, deployed, {}));
    await waitFor(
      async () => (await runView(api, runId)).steps.find((s) => s.nodeId === 'code')?.status === 'running',
    );
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const res = await api.app.request('/healthz');
      expect(res.status).toBe(200);
      answers.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // a busy machine may delay one answer; a blocked event loop would delay them all by the whole 1.5 s
    const slow = answers.filter((ms) => ms >= 100);
    expect(slow.length, answers.map(Math.round).join(', ')).toBeLessThanOrEqual(1);
    expect(Math.max(...answers), answers.map(Math.round).join(', ')).toBeLessThan(500);
    const run = await finished(runId);
    expect(run.steps.find((s) => s.nodeId === 'code')?.error).toMatchObject({
      code: 'code_timeout',
      message: 'the code ran longer than its time limit of 1500 ms',
    });
  });
});
