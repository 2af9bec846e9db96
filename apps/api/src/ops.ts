// Operations endpoints: /healthz (process), /readyz (Postgres + Redis; no while shutting down), /metrics
// (Prometheus).
import { Hono } from 'hono';
import type { AppDeps } from './app-env.js';

/** The ops routes (no authentication: they expose no data). */
export function opsRoutes(deps: AppDeps) {
  const app = new Hono();
  const { engine } = deps;

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    if (engine.closing) return c.json({ status: 'shutting down' }, 503);
    const [postgres, redis] = await Promise.all([engine.databaseReady(), engine.redisReady()]);
    const ready = postgres && redis;
    return c.json({ status: ready ? 'ready' : 'not ready', postgres, redis }, ready ? 200 : 503);
  });

  app.get('/metrics', async (c) => {
    const body = await engine.ctx.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': engine.ctx.metrics.registry.contentType });
  });

  return app;
}
