// Test helper: the Hono app over a test engine, with an owner key, called in-process with app.request().
import { createApiKey } from '@tributary/engine';
import { startTestEngine, type TestEngine, type TestEngineOptions } from '@tributary/engine/testing';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

export interface TestApp {
  t: TestEngine;
  app: ReturnType<typeof createApp>;
  /** An owner key's Authorization header. */
  auth: Record<string, string>;
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
