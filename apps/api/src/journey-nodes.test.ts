// The journey nodes in a real engine: an A/B split keeps each customer on one branch across runs and records
// the branch on the run; wait-until parks a run until the moment its data names and then goes on.
import { waitFor } from '@tributary/engine/testing';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Flow } from './routes/flows.js';
import type { Run } from './routes/runs.js';
import { type AcceptedEvent, firstRunId, readJson, startTestApp, type TestApp } from './test-app.js';

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp(inject('templateDatabase'));
});

afterAll(async () => {
  await api?.close();
});

async function publish(flow: Record<string, unknown>): Promise<string> {
  const created = await api.call('POST', '/api/v1/flows', flow);
  expect(created.status).toBe(201);
  const { id } = await readJson<Flow>(created);
  expect((await api.call('POST', `/api/v1/flows/${id}/publish`)).status).toBe(200);
  return id;
}

async function fire(path: string, body: unknown): Promise<string> {
  const res = await api.app.request(`/hooks/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return firstRunId(await readJson<AcceptedEvent>(res));
}

async function getRun(runId: string): Promise<Run> {
  return readJson<Run>(await api.call('GET', `/api/v1/runs/${runId}`));
}

async function finished(runId: string): Promise<Run> {
  return waitFor(
    async () => {
      const run = await getRun(runId);
      return run.status === 'succeeded' || run.status === 'failed' ? run : undefined;
    },
    { timeoutMs: 20_000 },
  );
}

describe('A/B split', () => {
  test('one customer, one branch, in every run; the run says which', async () => {
    await publish({
      name: 'Offer test',
      slug: 'offer-test',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', name: 'Order', config: { path: 'offer-test' } },
        {
          id: 'split',
          type: 'logic.ab-split',
          name: 'Offer',
          config: {
            variants: [
              { port: 'discount', weight: 45 },
              { port: 'shipping', weight: 45 },
              { port: 'holdout', weight: 10 },
            ],
            key: '{{ $json.body.customer }}',
          },
        },
      ],
      edges: [{ id: 'e1', source: 'hook', target: 'split' }],
    });
    const branchOf = new Map<string, string>();
    for (let round = 0; round < 2; round++) {
      for (let c = 0; c < 12; c++) {
        const run = await finished(await fire('offer-test', { customer: `c-${c}`, round }));
        expect(run.status).toBe('succeeded');
        expect(run.endedAt?.name).toBe('Offer');
        const port = run.endedAt?.port ?? '';
        expect(['discount', 'shipping', 'holdout']).toContain(port);
        if (round === 0) branchOf.set(`c-${c}`, port);
        else expect(port).toBe(branchOf.get(`c-${c}`));
      }
    }
    // twelve customers over 45/45/10 do not all land on one branch
    expect(new Set(branchOf.values()).size).toBeGreaterThan(1);
  });
});

describe('wait until', () => {
  test('parks the run until the moment in its data, then goes on', async () => {
    await publish({
      name: 'Trial end',
      slug: 'trial-end',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', name: 'Trial started', config: { path: 'trial-end' } },
        {
          id: 'wait',
          type: 'logic.wait-until',
          name: 'Until the trial ends',
          config: { mode: 'date', until: '{{ $json.body.endsAt }}' },
        },
        {
          id: 'after',
          type: 'logic.set',
          name: 'Trial over',
          config: { fields: { over: true } },
        },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'wait' },
        { id: 'e2', source: 'wait', target: 'after' },
      ],
    });
    const endsAt = new Date(Date.now() + 2000);
    const runId = await fire('trial-end', { endsAt: endsAt.toISOString() });
    const waiting = await waitFor(
      async () => {
        const run = await getRun(runId);
        return run.status === 'waiting' ? run : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(waiting.status).toBe('waiting');
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    expect(run.endedAt?.name).toBe('Trial over');
    expect(Date.parse(run.finishedAt ?? '')).toBeGreaterThanOrEqual(endsAt.getTime() - 60);

    // a date in the past goes on at once; a date that is not one fails the step, clearly
    expect((await finished(await fire('trial-end', { endsAt: '2020-01-01T00:00:00Z' }))).status).toBe(
      'succeeded',
    );
    const bad = await finished(await fire('trial-end', { endsAt: 'soon' }));
    expect(bad.status).toBe('failed');
  });
});
