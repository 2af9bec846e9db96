// The engine's outbound circuit breaker, with real Postgres, Redis and a local peer that keeps failing: after
// five 5xx answers in a row the host gets no more requests, the step waits with circuit_open, and /metrics
// shows the open breaker.
import { type HttpPeer, startHttpPeer } from '@tributary/nodes/testing';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import {
  deployFlow,
  finishedRun,
  fireEvent,
  manualFlow,
  runIdOf,
  startTestEngine,
  type TestEngine,
} from '../testing/index.js';

let t: TestEngine;
let peer: HttpPeer;

beforeAll(async () => {
  t = await startTestEngine(inject('templateDatabase'));
  peer = await startHttpPeer({
    handler: (_req, res) => {
      res.statusCode = 503;
      res.end('down for maintenance');
    },
  });
});

afterAll(async () => {
  await peer?.close();
  await t?.close();
});

test('five 5xx answers in a row open the breaker: the sixth step does not reach the host and waits', async () => {
  const flow = manualFlow(
    [
      {
        id: 'call',
        type: 'action.http',
        name: 'Call',
        config: { url: `${peer.url}/` },
        retry: { attempts: 1 },
      },
    ],
    [{ id: 'e1', source: 'trigger', target: 'call' }],
  );
  const deployed = await deployFlow(t.engine, flow);
  const codes: string[] = [];
  for (let i = 0; i < 6; i++) {
    const run = await finishedRun(t.engine, runIdOf(await fireEvent(t.engine, deployed, { i })));
    codes.push(String((run.steps.find((s) => s.nodeId === 'call')?.error as { code?: string } | null)?.code));
  }
  expect(codes).toEqual(['http_5xx', 'http_5xx', 'http_5xx', 'http_5xx', 'http_5xx', 'circuit_open']);
  expect(peer.requests.length).toBe(5);
  const metrics = await t.engine.ctx.metrics.registry.metrics();
  const host = new URL(peer.url).host;
  expect(metrics).toContain(`tributary_circuit_breaker_state{host="${host}",state="open"} 1`);
  expect(metrics).toContain(`tributary_circuit_breaker_transitions_total{host="${host}",to="open"} 1`);
});
