// Test helpers for tracing: a local OTLP/HTTP receiver (JSON encoding, as exporter-trace-otlp-http sends it),
// an HTTP peer that records the trace context each request carries, and a webhook → set → HTTP flow.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { Flow } from '../routes/flows.js';
import { readJson, type TestApp } from '../test-app.js';

/** A span as the receiver got it, its attributes flattened to plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  serviceName: unknown;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}

function plain(value: OtlpValue): unknown {
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}

function attributesOf(list: Array<{ key: string; value: OtlpValue }> = []): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value }) => [key, plain(value)]));
}

/** A local server accepting POST /v1/traces (OTLP/HTTP, JSON); keeps every span it got. */
export async function startOtlpReceiver(): Promise<{
  url: string;
  spans: ReceivedSpan[];
  close(): Promise<void>;
}> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (
        req.method !== 'POST' ||
        req.url !== '/v1/traces' ||
        req.headers['content-type'] !== 'application/json'
      ) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const rs of body.resourceSpans ?? []) {
        const resource = attributesOf(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind,
              attributes: attributesOf(s.attributes),
              status: s.status ?? {},
              serviceName: resource['service.name'],
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * An HTTP peer that records the `traceparent` header of each request (null when absent); it answers with
 * `statuses` in turn, then 200.
 */
export async function startPeer(statuses: number[] = []): Promise<{
  url: string;
  traceparents: Array<string | null>;
  close(): Promise<void>;
}> {
  const traceparents: Array<string | null> = [];
  const server = createServer((req, res) => {
    const header = req.headers.traceparent;
    traceparents.push(typeof header === 'string' ? header : null);
    res.writeHead(statuses.shift() ?? 200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/peer`,
    traceparents,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Publishes webhook `path` → set → HTTP GET `peerUrl`; returns the flow's id. */
export async function deployHookFlow(api: TestApp, path: string, peerUrl: string): Promise<string> {
  const flow = {
    name: `Traced ${path}`,
    slug: path,
    nodes: [
      { id: 'hook', type: 'trigger.webhook', name: 'Hook', config: { path } },
      { id: 'set', type: 'logic.set', name: 'Set', config: { fields: { seen: true } } },
      { id: 'call', type: 'action.http', name: 'Call', config: { url: peerUrl } },
    ],
    edges: [
      { id: 'e1', source: 'hook', target: 'set' },
      { id: 'e2', source: 'set', target: 'call' },
    ],
  };
  const created = await api.call('POST', '/api/v1/flows', flow);
  expect(created.status).toBe(201);
  const { id } = await readJson<Flow>(created);

  expect((await api.call('POST', `/api/v1/flows/${id}/publish`)).status).toBe(200);
  return id;
}
