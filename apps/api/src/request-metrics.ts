// How long the server takes to answer, by kind of route: `tributary_http_request_duration_seconds`. Timed from
// the moment the app gets the request (Node has parsed its head) to the moment the answer is ready to write,
// so it leaves out what happens before the server reads the request — a client's own delay, the kernel's
// queue, an event loop busy with something else — which is what a client's figure adds on top.

import { LeanHistogram } from '@tributary/engine';
import type { MiddlewareHandler } from 'hono';
import type { Registry } from 'prom-client';

const NAME = 'tributary_http_request_duration_seconds';

/** The kinds of route the histogram tells apart (few, so the series stay few). */
export type RouteKind = 'webhook' | 'tracking' | 'api' | 'ops' | 'other';

/** Which kind of route a path is. */
export function routeKind(path: string): RouteKind {
  if (path.startsWith('/hooks/')) return 'webhook';
  if (path.startsWith('/v1/')) return 'tracking';
  if (path.startsWith('/api/')) return 'api';
  if (path === '/healthz' || path === '/readyz' || path === '/metrics') return 'ops';
  return 'other';
}

/** 2xx, 3xx, 4xx or 5xx. */
const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

/**
 * Middleware timing every request into the registry's histogram (made on first use; an app built again on
 * the same registry, as tests do, shares it).
 */
export function requestTiming(registry: Registry): MiddlewareHandler {
  const histogram =
    (registry.getSingleMetric(NAME) as unknown as LeanHistogram<'route' | 'status'> | undefined) ??
    new LeanHistogram({
      name: NAME,
      help:
        'Time from the app getting a request to its answer being ready, by kind of route (webhook, tracking, ' +
        'api, ops, other) and status class. A client also counts the time before the server reads the request.',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers: [registry],
    });
  return async (c, next) => {
    const started = performance.now();
    await next();
    histogram.observe(
      { route: routeKind(c.req.path), status: statusClass(c.res.status) },
      (performance.now() - started) / 1000,
    );
  };
}
