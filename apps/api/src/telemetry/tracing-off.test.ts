// OpenTelemetry off (the default): which OTEL_* settings turn it on, and that without them no SDK is
// started, no span is recorded, nothing is stored on runs and no trace context is sent on. This file runs in a
// process of its own (vitest's forks pool), so no other test's SDK is registered here.
import { propagation, trace } from '@opentelemetry/api';
import { schema } from '@tributary/db';
import { waitFor } from '@tributary/engine/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { type AcceptedEvent, firstRunId, readJson, startTestApp, type TestApp } from '../test-app.js';
import { startTelemetry, tracingSettings } from './index.js';
import { deployHookFlow, startPeer } from './test-telemetry.js';

describe('which settings turn tracing on', () => {
  const settings = (env: Record<string, string>) => tracingSettings(loadConfig(env));

  test('off by default and with only a service name or resource attributes', () => {
    expect(settings({})).toBeUndefined();
    expect(settings({ OTEL_SERVICE_NAME: 'shop', OTEL_RESOURCE_ATTRIBUTES: 'env=prod' })).toBeUndefined();
  });

  test('an OTLP endpoint turns it on; the general one gets the traces path, the traces one is used as is', () => {
    expect(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      exporter: 'otlp',
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'tributary',
    });
    expect(
      settings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'shop',
      }),
    ).toEqual({
      exporter: 'otlp',
      url: 'https://traces.example/otlp',
      protocol: 'http/json',
      serviceName: 'shop',
    });
  });

  test('OTEL_TRACES_EXPORTER alone turns it on (to the default endpoint); none or OTEL_SDK_DISABLED turn it off', () => {
    expect(settings({ OTEL_TRACES_EXPORTER: 'otlp' })?.url).toBe('http://localhost:4318/v1/traces');
    expect(settings({ OTEL_TRACES_EXPORTER: 'console' })?.exporter).toBe('console');
    expect(
      settings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }),
    ).toBeUndefined();
    expect(
      settings({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }),
    ).toBeUndefined();
  });

  test('values it cannot honour stop the process with a reason', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems.join('\n');
        throw err;
      }
      return '';
    };
    expect(problems({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toContain('gRPC is not supported');
    expect(problems({ OTEL_TRACES_EXPORTER: 'zipkin' })).toContain('OTEL_TRACES_EXPORTER');
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toContain(
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    );
  });
});

describe('with tracing off', () => {
  let api: TestApp;
  let peer: Awaited<ReturnType<typeof startPeer>>;

  beforeAll(async () => {
    expect(await startTelemetry(loadConfig({}))).toBeUndefined();
    peer = await startPeer();
    api = await startTestApp(inject('templateDatabase'));
    await deployHookFlow(api, 'untraced', peer.url);
  });

  afterAll(async () => {
    await api?.close();
    await peer?.close();
  });

  test('no SDK is registered, the run stores no trace and the outbound request carries none', async () => {
    // the API's own no-op provider and no propagator: what startTelemetry leaves when it loads nothing
    expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
    expect(propagation.fields()).toEqual([]);
    expect(api.t.engine.ctx.tracing).toBeUndefined();

    const traceparent = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    const answer = await api.app.request('/hooks/untraced', {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent },
      body: '{}',
    });
    expect(answer.status).toBe(202);
    const runId = firstRunId(await readJson<AcceptedEvent>(answer));

    const run = await waitFor(
      async () => {
        const [row] = await api.t.engine.ctx.db.select().from(schema.runs).where(eq(schema.runs.id, runId));
        return row?.status === 'succeeded' ? row : undefined;
      },
      { what: 'the run to succeed' },
    );
    expect(run.trace).toBeNull();
    expect(peer.traceparents).toEqual([null]);
  });
});
