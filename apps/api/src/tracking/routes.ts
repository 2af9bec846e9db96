// The Segment-compatible tracking API: /v1/track, identify, page, screen, group, alias, batch (and /v1/t, i, p, s, g, a, b).
import type { SourceView, TrackingMessage } from '@tributary/engine';
import { checkTrackingPlan, ingestTracking, lookUpWriteKey, withDatabase } from '@tributary/engine';
import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import type { AppDeps } from '../app-env.js';
import { tracedIngest } from '../ingress/traced-ingest.js';
import { problemResponse } from '../problem.js';
import { validateBatch } from './batch.js';
import { TRACKING_LIMITS } from './limits.js';
import { readJsonObject } from './read-json.js';
import { describeProblems, TRACKING_TYPES, type TrackingType, validateMessage } from './validate-message.js';
import { type PresentedKey, writeKeyFromBody, writeKeyFromHeader } from './write-key.js';

/** Calls of a refused request whose violations the answer lists at most (its detail names the first five). */
const MAX_LISTED_BREACHES = 100;

/** The tracking routes, mounted at the root (not under /api/v1) so Segment SDKs find them. */
export function trackingRoutes(deps: AppDeps) {
  const { ctx } = deps.engine;
  const app = new Hono();

  // browsers send analytics.js calls cross-origin, with the write key in the body and no cookies
  const preflight = cors({
    origin: '*',
    allowMethods: ['POST'],
    allowHeaders: ['Content-Type', 'Authorization'],
    maxAge: 86_400,
  });
  app.use('/v1/*', async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    await next();
    // set on the answer once it exists: Hono's cors sets it before, making an answer of its own that the
    // handler's is then copied into (a web Response and a ReadableStream per call, a few % of the CPU)
    c.res.headers.set('Access-Control-Allow-Origin', '*');
  });

  /** The source a presented key belongs to, or the 401/403 answer. Keys are never logged. */
  async function authenticate(presented: PresentedKey): Promise<SourceView | Response> {
    if (presented.kind === 'malformed') {
      return problemResponse(
        401,
        'invalid_write_key',
        'the Authorization header is not Basic auth with a write key',
      );
    }
    if (presented.kind === 'none') {
      return problemResponse(
        401,
        'missing_write_key',
        "send the source's write key as the Basic auth username (empty password) or in the writeKey field",
      );
    }
    // a key looked up a moment ago is answered at once, without the time limit on a database call
    const known = lookUpWriteKey(ctx.db, presented.key);
    const resolved =
      known instanceof Promise ? await withDatabase(ctx, () => known, 'checking the write key') : known;
    if (resolved.ok) return resolved.source;
    if (resolved.reason === 'disabled') {
      ctx.logger.info({ sourceId: resolved.sourceId }, 'tracking call refused: the source is disabled');
      return problemResponse(403, 'source_disabled', 'the source of this write key is disabled');
    }
    return problemResponse(401, 'invalid_write_key', 'the write key is not valid');
  }

  /** Authenticates from the header first (before reading the body), else from the body's writeKey. */
  async function sourceFor(
    c: Context,
    read: () => Promise<{ body: Record<string, unknown>; bytes: number }>,
  ) {
    const fromHeader = writeKeyFromHeader(c.req.header('authorization'));
    if (fromHeader.kind !== 'none') {
      const source = await authenticate(fromHeader);
      if (source instanceof Response) return { answer: source };
      return { source, ...(await read()) };
    }
    const { body, bytes } = await read();
    const source = await authenticate(writeKeyFromBody(body));
    return source instanceof Response ? { answer: source } : { source, body, bytes };
  }

  /**
   * The calls as they go on, checked against the source's tracking plan: in `flag` mode those that break it
   * carry their violations (stored on their events); in `reject` mode any breach refuses the whole request
   * with 400 before anything is stored. With the plan `off` nothing is looked at.
   */
  async function keepToPlan(
    source: SourceView,
    messages: TrackingMessage[],
    /** Each message's index in the batch; none for a single call. */
    positions?: readonly number[],
  ): Promise<TrackingMessage[] | Response> {
    if (source.planMode === 'off' || messages.length === 0) return messages;
    const { mode, breaches } = await checkTrackingPlan(ctx, source, messages);
    if (breaches.length === 0) return messages;
    if (mode === 'flag') {
      const flagged = new Map(breaches.map((b) => [b.index, b.violations]));
      return messages.map((message, i) => {
        const violations = flagged.get(i);
        return violations ? { ...message, planViolations: violations } : message;
      });
    }
    const at = (i: number) => positions?.[i] ?? i;
    const where = (i: number) => (positions ? `batch.${at(i)}.properties` : 'properties');
    // a batch of thousands of bad calls would make an answer of megabytes: the first ones tell the sender enough
    const listed = breaches.slice(0, MAX_LISTED_BREACHES);
    const detail = listed
      .slice(0, 5)
      .map(
        (b) =>
          `${positions ? `message ${at(b.index)} ` : ''}"${b.event}": ${b.violations.map((v) => v.message).join('; ')}`,
      )
      .join(' | ');
    const count = breaches.length === 1 ? 'a call breaks' : `${breaches.length} calls break`;
    const more = breaches.length > 5 ? ` (and ${breaches.length - 5} more)` : '';
    return problemResponse(
      400,
      'tracking_plan_violation',
      `${count} the source's tracking plan; nothing was accepted: ${detail}${more}`,
      {
        problems: listed.flatMap((b) =>
          b.violations.map((v) => ({
            path: `${where(b.index)}${v.path.replaceAll('/', '.')}`,
            message: v.message,
            code: 'tracking_plan_violation',
          })),
        ),
        extensions: {
          violations: listed.map((b) => ({
            index: at(b.index),
            messageId: b.messageId,
            event: b.event,
            errors: b.violations,
          })),
        },
      },
    );
  }

  async function single(c: Context, type: TrackingType): Promise<Response> {
    const receivedAt = new Date();
    const got = await sourceFor(c, () =>
      readJsonObject(c, TRACKING_LIMITS.messageBytes, {
        code: 'message_too_large',
        label: 'the message',
      }),
    );
    if (got.answer) return got.answer;
    const checked = validateMessage(got.body, { type, receivedAt });
    if (!checked.ok) {
      const code = checked.problems[0]?.code ?? 'invalid_message';
      return problemResponse(
        400,
        code,
        `the ${type} call is not valid: ${describeProblems(checked.problems)}`,
        {
          problems: checked.problems,
        },
      );
    }
    const planned = await keepToPlan(got.source, [checked.message]);
    if (planned instanceof Response) return planned;
    const [result] = await ingestTracking(ctx, got.source.id, planned, got.bytes);
    return c.json({
      success: true,
      messageId: checked.message.messageId,
      duplicate: result?.duplicate ?? false,
    });
  }

  async function batch(c: Context): Promise<Response> {
    const receivedAt = new Date();
    const got = await sourceFor(c, () =>
      readJsonObject(c, TRACKING_LIMITS.batchBytes, { code: 'batch_too_large', label: 'the batch' }),
    );
    if (got.answer) return got.answer;
    const checked = validateBatch(got.body, receivedAt);
    if (!checked.ok) {
      return problemResponse(
        400,
        'invalid_batch',
        `the batch is not valid: ${describeProblems(checked.problems)}`,
        {
          problems: checked.problems,
        },
      );
    }
    const planned = await keepToPlan(got.source, checked.messages, checked.positions);
    if (planned instanceof Response) return planned;
    const results = planned.length > 0 ? await ingestTracking(ctx, got.source.id, planned, got.bytes) : [];
    return c.json({
      success: true,
      accepted: results.length,
      duplicates: results.filter((r) => r.duplicate).length,
      rejected: checked.rejected,
    });
  }

  for (const type of TRACKING_TYPES) {
    const handler = (c: Context) =>
      ctx.tracing
        ? tracedIngest(c, ctx, 'ingest tracking', `/v1/${type}`, () => single(c, type))
        : single(c, type);
    app.post(`/v1/${type}`, handler);
    app.post(`/v1/${type.charAt(0)}`, handler);
  }
  const batchHandler = (c: Context) =>
    ctx.tracing ? tracedIngest(c, ctx, 'ingest tracking', '/v1/batch', () => batch(c)) : batch(c);
  app.post('/v1/batch', batchHandler);
  app.post('/v1/b', batchHandler);
  return app;
}
