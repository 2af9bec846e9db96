// OpenTelemetry on: the SDK started from OTEL_* settings as main.ts starts it, exporting OTLP/HTTP JSON to a
// local receiver. A webhook request carrying a traceparent gives ingest (its child) → run → a step span per
// step (the pure one run inline at ingest too) → the outbound HTTP request, whose traceparent the peer gets;
// an MQTT publish carries its producer span's context to the broker (read back by an MQTT trigger).
// The SDK registers itself process-wide: this file runs in a process of its own (vitest's forks pool).
import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { schema } from '@tributary/db';
import { waitFor } from '@tributary/engine/testing';
import { closeBrokerConnections } from '@tributary/nodes';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { loadConfig } from '../config.js';
import type { Credential } from '../routes/credentials.js';
import type { Flow } from '../routes/flows.js';
import { type AcceptedEvent, firstRunId, readJson, startTestApp, type TestApp } from '../test-app.js';
import { basicAuth, createTestSource, post } from '../tracking/test-tracking.js';
import { type StartedSdk, startTelemetry } from './index.js';
import { deployHookFlow, type ReceivedSpan, startOtlpReceiver, startPeer } from './test-telemetry.js';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let peer: Awaited<ReturnType<typeof startPeer>>;
let telemetry: StartedSdk;
let api: TestApp;
let flowId: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  peer = await startPeer();
  const config = loadConfig({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'tributary-test',
  });
  const started = await startTelemetry(config);
  if (!started) throw new Error('tracing did not start although an OTLP endpoint is set');
  telemetry = started;
  api = await startTestApp(inject('templateDatabase'), {}, { tracing: telemetry.tracing });
  flowId = await deployHookFlow(api, 'traced', peer.url);
});

afterAll(async () => {
  await api?.close();
  // the pooled connections of publish steps (main.ts closes them at shutdown too)
  await closeBrokerConnections();
  await telemetry?.shutdown();
  await peer?.close();
  await receiver?.close();
});

/** Flushes the SDK until `pick` finds what it looks for among the received spans. */
function received<T>(pick: (spans: ReceivedSpan[]) => T | undefined, what: string): Promise<T> {
  return waitFor(
    async () => {
      await telemetry.flush();
      return pick(receiver.spans);
    },
    { what },
  );
}

test('a webhook with a traceparent gives ingest → run → step spans → the outbound request, one trace', async () => {
  const traceId = randomBytes(16).toString('hex');
  const callerSpanId = randomBytes(8).toString('hex');
  const answer = await api.app.request('/hooks/traced', {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpanId}-01` },
    body: JSON.stringify({ order: 1 }),
  });
  expect(answer.status).toBe(202);
  const accepted = await readJson<AcceptedEvent>(answer);
  const { eventId } = accepted;
  const runId = firstRunId(accepted);

  const spans = await received((all) => {
    const ours = all.filter((s) => s.traceId === traceId);
    const done = ours.some((s) => s.name === 'run') && ours.some((s) => s.name === 'step action.http');
    return done && ours.some((s) => s.name === 'GET') ? ours : undefined;
  }, 'the spans of the traced run');
  const one = (name: string) => {
    const found = spans.filter((s) => s.name === name);
    expect(found, name).toHaveLength(1);
    return found[0] as ReceivedSpan;
  };

  const ingest = one('ingest webhook');
  expect(ingest.parentSpanId).toBe(callerSpanId);
  expect(ingest.kind).toBe(SpanKind.SERVER + 1); // OTLP's enum counts from SPAN_KIND_UNSPECIFIED = 0
  expect(ingest.attributes).toMatchObject({
    'tributary.flow.id': flowId,
    'tributary.event.id': eventId,
    'http.response.status_code': 202,
  });
  expect(ingest.serviceName).toBe('tributary-test');

  const run = one('run');
  expect(run.parentSpanId).toBe(ingest.spanId);
  expect(run.attributes).toMatchObject({
    'tributary.run.id': runId,
    'tributary.flow.id': flowId,
    'tributary.run.status': 'succeeded',
  });

  // the pure step ran inline while the event was accepted; the HTTP step ran on its job
  const set = one('step logic.set');
  expect(set.parentSpanId).toBe(run.spanId);
  expect(set.attributes).toMatchObject({
    'tributary.run.id': runId,
    'tributary.flow.slug': 'traced',
    'tributary.node.id': 'set',
    'tributary.node.type': 'logic.set',
    'tributary.step.inline': true,
    'tributary.step.outcome': 'succeeded',
  });
  const call = one('step action.http');
  expect(call.parentSpanId).toBe(run.spanId);
  expect(call.attributes).toMatchObject({
    'tributary.node.id': 'call',
    'tributary.step.attempt': 1,
    'tributary.step.inline': false,
    'tributary.step.outcome': 'succeeded',
  });

  const get = one('GET');
  expect(get.parentSpanId).toBe(call.spanId);
  expect(get.kind).toBe(SpanKind.CLIENT + 1);
  expect(get.attributes).toMatchObject({
    'http.request.method': 'GET',
    'server.address': '127.0.0.1',
    'http.response.status_code': 200,
  });
  // the peer joined the trace: the request carried the client span's context
  expect(peer.traceparents).toEqual([`00-${traceId}-${get.spanId}-01`]);

  // where the worker found the run's span: stored on the run
  const [row] = await api.t.engine.ctx.db.select().from(schema.runs).where(eq(schema.runs.id, runId));
  expect(row?.trace).toEqual({ traceId, spanId: run.spanId, flags: 1, parentSpanId: ingest.spanId });
  // no request header or body in any span
  expect(JSON.stringify(spans)).not.toContain('"order"');
});

test('a request without a traceparent starts a trace of its own; a failing step span says why', async () => {
  const answer = await api.app.request('/hooks/traced', { method: 'POST', body: '{}' });
  expect(answer.status).toBe(202);
  const runId = firstRunId(await readJson<AcceptedEvent>(answer));
  const run = await received(
    (all) => all.find((s) => s.name === 'run' && s.attributes['tributary.run.id'] === runId),
    'the run span',
  );
  const ingest = receiver.spans.find((s) => s.spanId === run.parentSpanId);
  expect(ingest?.name).toBe('ingest webhook');
  expect(ingest?.parentSpanId).toBe('');
  expect(run.traceId).toBe(ingest?.traceId);

  const refused = await api.app.request('/hooks/nowhere', { method: 'POST', body: '{}' });
  expect(refused.status).toBe(404);
  const failed = await received(
    (all) => all.find((s) => s.name === 'ingest webhook' && s.status.code === SpanStatusCode.ERROR),
    'the refused request',
  );
  expect(failed.status.message).toContain('no published flow listens');
  expect(failed.attributes['tributary.error.code']).toBe('not_found');
});

test('an MQTT publish step sends its trace context in the message, under a producer span', async () => {
  const url = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
  const topic = `tributary-tracing/${randomBytes(5).toString('hex')}`;
  const credential = await api.call('POST', '/api/v1/credentials', {
    name: 'Mosquitto',
    type: 'mqtt',
    data: { url },
  });
  expect(credential.status).toBe(201);
  const credentialId = (await readJson<Credential>(credential)).id;
  const publish = async (flow: object) => {
    const created = await api.call('POST', '/api/v1/flows', flow);
    expect(created.status).toBe(201);
    const { id } = await readJson<Flow>(created);
    expect((await api.call('POST', `/api/v1/flows/${id}/publish`)).status).toBe(200);
    return id as string;
  };
  // Tributary itself reads the messages back: a flow with an MQTT trigger on the topic
  const consumerFlow = await publish({
    name: 'From MQTT',
    slug: 'from-mqtt',
    nodes: [{ id: 'in', type: 'trigger.mqtt', name: 'In', config: { credential: credentialId, topic } }],
    edges: [],
  });
  await publish({
    name: 'To MQTT',
    slug: 'to-mqtt',
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: 'to-mqtt' } },
      {
        id: 'out',
        type: 'action.mqtt-publish',
        name: 'Out',
        config: { credential: credentialId, topic, payload: { n: 1 } },
      },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'out' }],
  });
  api.t.engine.startConsumers();
  await api.t.engine.flowsChanged();

  // the consumer subscribes in the background: publish until a message comes through
  const traceparent = await waitFor(
    async () => {
      expect((await api.app.request('/hooks/to-mqtt', { method: 'POST', body: '{}' })).status).toBe(202);
      const [got] = await api.t.engine.ctx.db
        .select({ payload: schema.events.payload })
        .from(schema.runs)
        .innerJoin(schema.events, eq(schema.events.id, schema.runs.eventId))
        .where(eq(schema.runs.flowId, consumerFlow))
        .limit(1);
      const headers = (got?.payload as { headers?: Record<string, unknown> } | undefined)?.headers;
      return typeof headers?.traceparent === 'string' ? headers.traceparent : undefined;
    },
    { intervalMs: 250, what: 'a published message to be consumed' },
  );
  const [, traceId, spanId] = traceparent.split('-');
  const producer = await received(
    (all) => all.find((s) => s.spanId === spanId),
    'the span of the publish the message came from',
  );
  expect(producer).toMatchObject({
    traceId,
    name: `publish ${topic}`,
    kind: SpanKind.PRODUCER + 1,
    attributes: { 'messaging.system': 'mqtt', 'messaging.destination.name': topic },
  });
  const step = receiver.spans.find((s) => s.spanId === producer.parentSpanId);
  expect(step?.name).toBe('step action.mqtt-publish');
  expect(step?.traceId).toBe(traceId);
});

test('the span of a failed attempt has status ERROR with the step error; its retry gets a span of its own', async () => {
  const flaky = await startPeer([503]);
  try {
    const created = await api.call('POST', '/api/v1/flows', {
      name: 'Flaky',
      slug: 'flaky',
      nodes: [
        { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path: 'flaky' } },
        {
          id: 'call',
          type: 'action.http',
          name: 'Call',
          config: { url: flaky.url },
          retry: { attempts: 2, backoff: 'fixed', delayMs: 10, jitter: false },
        },
      ],
      edges: [{ id: 'e1', source: 'hook', target: 'call' }],
    });
    const { id } = await readJson<Flow>(created);
    expect((await api.call('POST', `/api/v1/flows/${id}/publish`)).status).toBe(200);
    const answer = await api.app.request('/hooks/flaky', { method: 'POST', body: '{}' });
    const runId = firstRunId(await readJson<AcceptedEvent>(answer));
    const steps = await received((all) => {
      const ours = all.filter(
        (s) => s.name === 'step action.http' && s.attributes['tributary.run.id'] === runId,
      );
      return ours.length === 2 ? ours : undefined;
    }, 'both attempts of the step');
    const [first, second] = steps.sort(
      (a, b) =>
        Number(a.attributes['tributary.step.attempt']) - Number(b.attributes['tributary.step.attempt']),
    );
    expect(first?.attributes).toMatchObject({
      'tributary.step.attempt': 1,
      'tributary.step.outcome': 'retrying',
    });
    expect(first?.status.code).toBe(SpanStatusCode.ERROR);
    expect(first?.status.message).toContain('503');
    expect(first?.attributes['tributary.step.id']).toBe(second?.attributes['tributary.step.id']);
    expect(second?.attributes).toMatchObject({
      'tributary.step.attempt': 2,
      'tributary.step.outcome': 'succeeded',
    });
    expect(second?.status.code).not.toBe(SpanStatusCode.ERROR);
    const gets = receiver.spans.filter(
      (s) => s.name === 'GET' && (s.parentSpanId === first?.spanId || s.parentSpanId === second?.spanId),
    );
    expect(gets.map((g) => g.attributes['http.response.status_code']).sort()).toEqual([200, 503]);
    expect(gets.find((g) => g.parentSpanId === first?.spanId)?.status).toMatchObject({
      code: SpanStatusCode.ERROR,
      message: 'HTTP 503',
    });
  } finally {
    await flaky.close();
  }
});

test('a tracking call gets an ingest span; a run of pure steps, finished as it is accepted, is its child', async () => {
  const source = await createTestSource(api, 'Traced site');
  const created = await api.call('POST', '/api/v1/flows', {
    name: 'Traced signups',
    slug: 'traced-signups',
    nodes: [
      {
        id: 'in',
        type: 'trigger.tracking',
        name: 'In',
        config: { type: 'track', events: ['Traced Signup'] },
      },
      { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { seen: true } } },
    ],
    edges: [{ id: 'e1', source: 'in', target: 'set' }],
  });
  const { id } = await readJson<Flow>(created);
  expect((await api.call('POST', `/api/v1/flows/${id}/publish`)).status).toBe(200);
  const traceId = randomBytes(16).toString('hex');
  const callerSpanId = randomBytes(8).toString('hex');
  const answer = await post(
    api,
    '/v1/track',
    { event: 'Traced Signup', userId: 'u-1', properties: { plan: 'pro' } },
    { ...basicAuth(source.writeKey), traceparent: `00-${traceId}-${callerSpanId}-01` },
  );
  expect(answer.status).toBe(200);
  const spans = await received((all) => {
    const ours = all.filter((s) => s.traceId === traceId);
    return ours.some((s) => s.name === 'step logic.set') && ours.some((s) => s.name === 'run')
      ? ours
      : undefined;
  }, 'the spans of the tracking call');
  const ingest = spans.find((s) => s.name === 'ingest tracking');
  expect(ingest?.parentSpanId).toBe(callerSpanId);
  expect(ingest?.attributes['http.route']).toBe('/v1/track');
  const run = spans.find((s) => s.name === 'run');
  expect(run?.parentSpanId).toBe(ingest?.spanId);
  expect(run?.attributes).toMatchObject({ 'tributary.flow.id': id, 'tributary.run.status': 'succeeded' });
  const set = spans.find((s) => s.name === 'step logic.set');
  expect(set?.parentSpanId).toBe(run?.spanId);
  expect(set?.attributes['tributary.step.inline']).toBe(true);
  expect(JSON.stringify(spans)).not.toContain('pro');
});
