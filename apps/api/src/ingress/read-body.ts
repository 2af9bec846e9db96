// Reads a request body up to a byte limit, failing early on Content-Length and while streaming.
import { IncomingMessage } from 'node:http';
import { PayloadTooLargeError } from '@tributary/flow';
import type { Context } from 'hono';
import type { LateBodyClaim } from './body-budget.js';
import { BODY_BUDGET_MIN_BYTES, lateBodyClaimOf } from './body-budget.js';

/**
 * The raw body bytes, or PayloadTooLargeError past `limit`. Behind @hono/node-server the bytes are read
 * straight from Node's IncomingMessage: going through the web `Request` would build a ReadableStream, an
 * AbortSignal and a full undici Request for every call (a tenth of the server's CPU under webhook load).
 * Without a Node request (`app.request()` in tests, other runtimes) the web body is read instead. A body that
 * declares no length takes its place in the large-body budget (body-budget.ts) once BODY_BUDGET_MIN_BYTES of it
 * are read, and the rest waits unread until it has one.
 */
export async function readBodyLimited(c: Context, limit: number): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    throw new PayloadTooLargeError(`the body is ${declared} bytes; the limit is ${limit}`);
  }
  const claim = Number.isFinite(declared) ? undefined : lateBodyClaimOf(c);
  const incoming = nodeRequestOf(c);
  if (incoming && !incoming.readableDidRead) return readIncoming(incoming, limit, claim);
  return readWebBody(c.req.raw, limit, claim);
}

/** Node's request behind @hono/node-server (its `env.incoming`); undefined in-process or on other runtimes. */
export function nodeRequestOf(c: Context): IncomingMessage | undefined {
  const incoming: unknown = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`the body is larger than the limit of ${limit} bytes`);
}

function readIncoming(
  incoming: IncomingMessage,
  limit: number,
  claim: LateBodyClaim | undefined,
): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      done();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        // the rest is left unread: @hono/node-server drains (bounded) or closes the request after the answer
        incoming.pause();
        settle(() => reject(tooLarge(limit)));
      } else {
        chunks.push(chunk);
        if (claim && size >= BODY_BUDGET_MIN_BYTES) {
          // large and of no declared length: nothing more is read until the budget has room for the limit
          const taking = claim;
          claim = undefined;
          incoming.pause();
          taking.take(limit).then(
            () => {
              if (!settled) incoming.resume();
            },
            (err: unknown) => settle(() => reject(err)),
          );
        }
      }
    };
    const onEnd = () =>
      settle(() => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    const onError = (err: Error) => settle(() => reject(err));
    const onClose = () =>
      settle(() => reject(new Error('the client closed the connection before the body ended')));
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

async function readWebBody(
  req: Request,
  limit: number,
  claim: LateBodyClaim | undefined,
): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  let unclaimed = claim;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
    if (unclaimed && size >= BODY_BUDGET_MIN_BYTES) {
      const taking = unclaimed;
      unclaimed = undefined;
      try {
        await taking.take(limit);
      } catch (err) {
        await reader.cancel();
        throw err;
      }
    }
  }
  return Buffer.concat(chunks);
}
