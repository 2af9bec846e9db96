// The Segment-compatible tracking API: /v1/track, identify, page, screen, group, alias, batch (and /v1/t, i, p, s, g, a, b).
import type { SourceView } from '@tributary/engine';
import { ingestTracking, resolveWriteKey, withDatabase } from '@tributary/engine';
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

/** The tracking routes, mounted at the root (not under /api/v1) so Segment SDKs find them. */
export function trackingRoutes(deps: AppDeps) {
  const { ctx } = deps.engine;
  const app = new Hono();

  // browsers send analytics.js calls cross-origin, with the write key in the body and no cookies
  app.use(
    '/v1/*',
    cors({
      origin: '*',
      allowMethods: ['POST'],
      allowHeaders: ['Content-Type', 'Authorization'],
      maxAge: 86_400,
    }),
  );

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
    const resolved = await withDatabase(
      ctx,
      () => resolveWriteKey(ctx.db, presented.key),
      'checking the write key',
    );
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
    const [result] = await ingestTracking(ctx, got.source.id, [checked.message], got.bytes);
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
    const results =
      checked.messages.length > 0
        ? await ingestTracking(ctx, got.source.id, checked.messages, got.bytes)
        : [];
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
