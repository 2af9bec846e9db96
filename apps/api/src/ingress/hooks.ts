// Webhook ingress: /hooks/:path — route, authenticate, size-limit, parse strictly, ingest, answer 202.

import type { Span } from '@opentelemetry/api';
import { FINAL_RUN_STATUSES, isIn } from '@tributary/db';
import type { WebhookTarget } from '@tributary/engine';
import {
  getRun,
  ingest,
  routeWebhook,
  SPAN_ATTRIBUTES,
  webhookCredential,
  withDatabase,
} from '@tributary/engine';
import { BadRequestError, NotFoundError, UnauthorizedError } from '@tributary/flow';
import type { WebhookTriggerConfig } from '@tributary/nodes';
import { verifyWebhookAuth, webhookTrigger } from '@tributary/nodes';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppDeps } from '../app-env.js';
import { problemResponse } from '../problem.js';
import { pairsToObject, parseBody } from './parse-body.js';
import { nodeRequestOf, readBodyLimited } from './read-body.js';
import { respondNodeAnswer } from './respond-answer.js';
import { checkStorableText } from './storable.js';
import { tracedIngest } from './traced-ingest.js';

/** Headers never stored in run history: credentials and cookies. */
const ALWAYS_DROPPED = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * The header each signature scheme's signature comes in. Not secret, but dropped too: anyone who can read the
 * history could otherwise replay the request (a plain HMAC or GitHub signature has no timestamp to expire).
 */
const SIGNATURE_HEADERS: Partial<Record<WebhookTriggerConfig['auth']['type'], string>> = {
  'standard-webhooks': 'webhook-signature',
  stripe: 'stripe-signature',
  github: 'x-hub-signature-256',
};

const MAX_IDEMPOTENCY_KEY = 255;

/** The headers kept in the event: all but credentials, cookies and the auth's own header. */
function storedHeaders(
  all: Record<string, string>,
  auth: WebhookTriggerConfig['auth'],
  credentialData: Readonly<Record<string, unknown>> | undefined,
): Record<string, string> {
  const drop = new Set(ALWAYS_DROPPED);
  // header auth: the header the credential names holds the token itself
  if (auth.type === 'header' && typeof credentialData?.name === 'string') {
    drop.add(credentialData.name.toLowerCase());
  }
  if (auth.type === 'hmac') drop.add(auth.header.toLowerCase());
  const signature = SIGNATURE_HEADERS[auth.type];
  if (signature) drop.add(signature);
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

/**
 * The data of the credential the trigger's auth names (undefined for no auth). A credential that is gone,
 * unreadable or of the wrong type refuses the request (401) and says why in a warning: the flow needs fixing.
 */
async function authCredential(
  ctx: AppDeps['engine']['ctx'],
  route: WebhookTarget,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  const { auth } = route.config;
  if (auth.type === 'none') return undefined;
  const found = await withDatabase(
    ctx,
    () => webhookCredential(ctx, auth.credential, webhookTrigger.credentialTypesFor(route.config)),
    'loading the webhook credential',
  );
  if (found.ok) return found.data;
  // the flow is compiled in memory already (routing read it); its slug names it in the log
  const { slug } = (await ctx.flows.get(ctx.db, route.flowId, route.version)).definition;
  ctx.logger.warn(
    {
      flow: slug,
      flowId: route.flowId,
      version: route.version,
      nodeId: route.nodeId,
      credentialId: auth.credential,
      reason: found.reason,
    },
    `webhook of flow "${slug}" refused a request: the credential its ${auth.type} auth names is missing or unusable (${found.reason}); point the trigger at a ${webhookTrigger.credentialTypesFor(route.config).join(' or ')} credential`,
  );
  throw new UnauthorizedError("the request did not pass this webhook's authentication");
}

/** A webhook request read, authenticated and parsed: the trigger item it becomes. */
interface ReceivedRequest {
  item: { body: unknown; headers: Record<string, string>; query: object; method: string; path: string };
  /** the body's length as received */
  bodyBytes: number;
  idempotencyKey: string | undefined;
}

/**
 * Reads the body (size-limited), authenticates the request and parses it into the trigger item. Its own
 * function so that the raw bytes are garbage once the item is built: a burst of large bodies waiting for
 * their commit holds one parsed copy each, not the bytes as well.
 */
async function receiveRequest(
  c: Context,
  deps: AppDeps,
  route: WebhookTarget,
  path: string,
  method: string,
  url: URL,
): Promise<ReceivedRequest> {
  const { ctx } = deps.engine;
  const { config } = route;
  const raw = await readBodyLimited(c, deps.config.TRIBUTARY_MAX_BODY);
  const headers = allHeaders(c);
  const credentialData = await authCredential(ctx, route);
  const auth = verifyWebhookAuth(config.auth, credentialData, headers, raw, Date.now());
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
  // %00 decodes to a NUL character, which Postgres cannot store (most webhooks have no query at all)
  if (url.search.length > 1) checkStorableText([...url.searchParams].flat().join('&'), 'the query string');
  const item = {
    body: parseBody(c.req.header('content-type') ?? null, raw),
    headers: storedHeaders(headers, config.auth, credentialData),
    query: pairsToObject(url.searchParams),
    method,
    path,
  };
  return { item, bodyBytes: raw.byteLength, idempotencyKey };
}

/** The ingress routes. */
export function hookRoutes(deps: AppDeps) {
  const app = new Hono();
  app.all('/hooks/*', (c) =>
    deps.engine.ctx.tracing
      ? tracedIngest(c, deps.engine.ctx, 'ingest webhook', '/hooks/*', (span) => acceptHook(c, deps, span))
      : acceptHook(c, deps, undefined),
  );
  return app;
}

/** One webhook request: route, authenticate, size-limit, parse strictly, ingest, answer. */
async function acceptHook(c: Context, deps: AppDeps, span: Span | undefined): Promise<Response> {
  const url = new URL(c.req.url);
  const path = decodeURIComponent(url.pathname.slice('/hooks/'.length));
  const { ctx } = deps.engine;
  const route = path ? await routeWebhook(ctx, path) : undefined;
  if (!route) throw new NotFoundError(`no published flow listens on /hooks/${path}`);
  span?.setAttributes({
    [SPAN_ATTRIBUTES.flowId]: route.flowId,
    [SPAN_ATTRIBUTES.flowVersion]: route.version,
  });
  const method = c.req.method.toUpperCase();
  if (route.method !== 'ANY' && route.method !== method) {
    return problemResponse(405, 'method_not_allowed', `this webhook accepts ${route.method}`, {
      headers: { allow: route.method },
    });
  }
  const { config } = route;
  const received = await receiveRequest(c, deps, route, path, method, url);
  const result = await ingest(ctx, {
    source: `webhook:${path}`,
    type: 'webhook',
    idempotencyKey: received.idempotencyKey,
    payload: received.item,
    payloadBytes: received.bodyBytes,
    targets: [{ flowId: route.flowId, version: route.version, item: received.item }],
  });
  const accepted = { eventId: result.eventId, duplicate: result.duplicate, runs: result.runs };
  span?.setAttributes({
    [SPAN_ATTRIBUTES.eventId]: result.eventId,
    'tributary.event.duplicate': result.duplicate,
  });
  const runId = result.runs[0]?.id;
  if (config.responseMode === 'lastNode' && runId) {
    return lastNodeAnswer(deps, runId, route.nodeId, config.responseTimeoutMs, accepted);
  }
  if (config.responseMode === 'respondNode' && runId) {
    return respondNodeAnswer(deps, runId, config.responseTimeoutMs);
  }
  return c.json(accepted, 202);
}
