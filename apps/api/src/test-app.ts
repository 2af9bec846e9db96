// Test helper: the Hono app over a test engine, with an owner key, called in-process with app.request().
import { createApiKey, type IngestResult } from '@tributary/engine';
import { startTestEngine, type TestEngine, type TestEngineOptions } from '@tributary/engine/testing';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import type { ProblemDocument } from './problem.js';

export interface TestApp {
  t: TestEngine;
  app: ReturnType<typeof createApp>;
  /** An owner key's Authorization header. */
  auth: { authorization: string };
  /** Calls the app with JSON in and out. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** Builds the app on a fresh engine; `env` overrides configuration. */
export async function startTestApp(
  template: string,
  env: Record<string, string> = {},
  engineOptions: TestEngineOptions = {},
): Promise<TestApp> {
  const t = await startTestEngine(template, engineOptions);
  const config = loadConfig({ TRIBUTARY_MAX_BODY: '64kb', ...env });
  const app = createApp({ engine: t.engine, config });
  const owner = await createApiKey(t.engine.ctx.db, 'test owner', 'owner', 'test');
  const auth = { authorization: `Bearer ${owner.key}` };
  return {
    t,
    app,
    auth,
    call(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...auth, ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        init.headers = { 'content-type': 'application/json', ...auth, ...headers };
      }
      return Promise.resolve(app.request(path, init));
    },
    close: () => t.close(),
  };
}

/**
 * A JSON answer's body, typed as the test expects it (the API's own type where there is one). The body is not
 * checked against `T`: the test's assertions do that.
 */
export async function readJson<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** A problem+json answer's body (RFC 9457, as the API's problemResponse writes it). */
export function readProblem(res: Response): Promise<ProblemDocument> {
  return readJson<ProblemDocument>(res);
}

/** One read of the app's /metrics. */
export interface MetricsScrape {
  text: string;
  /**
   * The value of the sample of `name` with exactly these labels (in any order); 0 when there is none (a
   * counter that was never incremented has no sample for its labels).
   */
  value(name: string, labels?: Record<string, string>): number;
}

/** Reads the app's /metrics once (Prometheus text format). */
export async function scrapeMetrics(app: TestApp['app']): Promise<MetricsScrape> {
  const text = await (await app.request('/metrics')).text();
  return { text, value: (name, labels = {}) => sampleValue(text, name, labels) };
}

function sampleValue(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    let labelText = '';
    let valueText: string;
    if (rest.startsWith('{')) {
      const end = rest.lastIndexOf('} ');
      if (end < 0) continue;
      labelText = rest.slice(1, end);
      valueText = rest.slice(end + 2);
    } else if (rest.startsWith(' ')) {
      valueText = rest.slice(1);
    } else {
      // another metric whose name starts with this one
      continue;
    }
    // a comma that starts the next label, not one inside a value
    const found =
      labelText === ''
        ? ''
        : labelText
            .split(/,(?=[a-zA-Z_][a-zA-Z0-9_]*=")/)
            .sort()
            .join(',');
    if (found === wanted) return Number(valueText.split(' ')[0]);
  }
  return 0;
}

/** A webhook's answer when it accepts an event (202, responseMode `onReceived`): the engine's IngestResult. */
export type AcceptedEvent = IngestResult;

/**
 * The items a run's step put out on `port` (a step's `output` is `{ port: items }`, null until it has run);
 * undefined when there is no such step, it has not run or has no such port.
 */
export function outputOf(step: { output: unknown } | undefined, port = 'main'): unknown[] | undefined {
  return (step?.output as Record<string, unknown[]> | null | undefined)?.[port];
}

/** The id of the first run an accepted event started; throws when it started none. */
export function firstRunId(accepted: AcceptedEvent): string {
  const id = accepted.runs[0]?.id;
  if (id === undefined) throw new Error(`event ${accepted.eventId} started no run`);
  return id;
}

/** The webhook trigger's item (its run's first item, and the payload stored on its event). */
export interface WebhookItem {
  body: unknown;
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
  method: string;
  path: string;
}

/** What tests read of the OpenAPI document served at /api/v1/openapi.json. */
export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation | undefined> | undefined>;
}

/** An operation of the OpenAPI document, as far as tests read it. */
export interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content?: Record<string, { schema?: unknown } | undefined> };
  responses?: Record<string, unknown>;
}

/** A paged list answer: `items`, and the cursor of the next page where the route pages. */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
