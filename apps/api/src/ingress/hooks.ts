// Webhook ingress: /hooks/:path — route, authenticate, size-limit, parse strictly, ingest, answer 202.
import { FINAL_RUN_STATUSES, isIn } from '@tributary/db';
import { getRun, ingest, routeWebhook } from '@tributary/engine';
import { BadRequestError, NotFoundError, UnauthorizedError } from '@tributary/flow';
import type { WebhookTriggerConfig } from '@tributary/nodes';
import { verifyWebhookAuth } from '@tributary/nodes';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppDeps } from '../app-env.js';
import { problemResponse } from '../problem.js';
import { pairsToObject, parseBody } from './parse-body.js';
import { nodeRequestOf, readBodyLimited } from './read-body.js';

/** Headers never stored in run history: credentials and cookies. */
const ALWAYS_DROPPED = new Set(['authorization', 'cookie', 'proxy-authorization']);

const MAX_IDEMPOTENCY_KEY = 255;

function storedHeaders(all: Record<string, string>, config: WebhookTriggerConfig): Record<string, string> {
  const drop = new Set(ALWAYS_DROPPED);
  if (config.auth.type === 'header') drop.add(config.auth.name.toLowerCase());
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(all)) if (!drop.has(name)) out[name] = value;
  return out;
}

/**
 * The request's headers by lower-case name, repeated ones joined with ", " as the Fetch Headers do. Behind
 * @hono/node-server they come from Node's raw header pairs: iterating the web Headers would build an undici
 * Headers object per request.
 */
function allHeaders(c: Context): Record<string, string> {
  const out: Record<string, string> = {};
  const incoming = nodeRequestOf(c);
  if (incoming) {
    const raw = incoming.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      const value = (raw[i + 1] as string).trim();
      out[name] = Object.hasOwn(out, name) ? `${out[name]}, ${value}` : value;
    }
    return out;
  }
  c.req.raw.headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** Waits for the run to end and answers with its last step's first item, or 202 if it takes too long. */
async function lastNodeAnswer(
  deps: AppDeps,
  runId: string,
  triggerNodeId: string,
  timeoutMs: number,
  accepted: object,
): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  while (Date.now() < deadline) {
    const run = await getRun(deps.engine.ctx.db, runId);
    if (isIn(FINAL_RUN_STATUSES, run.status)) {
      if (run.status !== 'succeeded') {
        return problemResponse(502, 'run_failed', `the run ended ${run.status}`, {
          instance: `/api/v1/runs/${runId}`,
        });
      }
      const last = [...run.steps]
        .reverse()
        .find((s) => s.status === 'succeeded' && s.nodeId !== triggerNodeId);
      // step outputs are stored as items per port
      const ports = (last?.output ?? {}) as Record<string, unknown[]>;
      const item = Object.values(ports).find((items) => items.length > 0)?.[0] ?? null;
      return Response.json(item, { status: 200, headers: { 'x-tributary-run-id': runId } });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 200);
  }
  return Response.json(accepted, { status: 202 });
}

/** The ingress routes. */
export function hookRoutes(deps: AppDeps) {
  const app = new Hono();
  app.all('/hooks/*', async (c) => {
    const url = new URL(c.req.url);
    const path = decodeURIComponent(url.pathname.slice('/hooks/'.length));
    const { ctx } = deps.engine;
    const route = path ? await routeWebhook(ctx, path) : undefined;
    if (!route) throw new NotFoundError(`no published flow listens on /hooks/${path}`);
    const method = c.req.method.toUpperCase();
    if (route.method !== 'ANY' && route.method !== method) {
      return problemResponse(405, 'method_not_allowed', `this webhook accepts ${route.method}`, {
        headers: { allow: route.method },
      });
    }
    const { config } = route;

    const raw = await readBodyLimited(c, deps.config.TRIBUTARY_MAX_BODY);
    const headers = allHeaders(c);
    const auth = verifyWebhookAuth(config.auth, headers, raw);
    if (!auth.ok) {
      ctx.logger.info({ path, reason: auth.reason }, 'webhook request refused');
      throw new UnauthorizedError("the request did not pass this webhook's authentication");
    }
    const idempotencyKey = c.req.header('idempotency-key');
    if (
      idempotencyKey !== undefined &&
      (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)
    ) {
      throw new BadRequestError(`Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters`, {
        code: 'invalid_idempotency_key',
      });
    }
    const item = {
      body: parseBody(c.req.header('content-type') ?? null, raw),
      headers: storedHeaders(headers, config),
      query: pairsToObject(url.searchParams),
      method,
      path,
    };
    const result = await ingest(ctx, {
      source: `webhook:${path}`,
      type: 'webhook',
      idempotencyKey,
      payload: item,
      targets: [{ flowId: route.flowId, version: route.version, item }],
    });
    const accepted = { eventId: result.eventId, duplicate: result.duplicate, runs: result.runs };
    const runId = result.runs[0]?.id;
    if (config.responseMode === 'lastNode' && runId) {
      return lastNodeAnswer(deps, runId, route.nodeId, config.responseTimeoutMs, accepted);
    }
    return c.json(accepted, 202);
  });
  return app;
}
