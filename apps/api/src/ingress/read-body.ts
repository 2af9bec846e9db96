// Reads a request body up to a byte limit, failing early on Content-Length and while streaming.
import { IncomingMessage } from 'node:http';
import { PayloadTooLargeError } from '@tributary/flow';
import type { Context } from 'hono';

/**
 * The raw body bytes, or PayloadTooLargeError past `limit`. Behind @hono/node-server the bytes are read
 * straight from Node's IncomingMessage: going through the web `Request` would build a ReadableStream, an
 * AbortSignal and a full undici Request for every call (a tenth of the server's CPU under webhook load).
 * Without a Node request (`app.request()` in tests, other runtimes) the web body is read instead.
 */
export async function readBodyLimited(c: Context, limit: number): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    throw new PayloadTooLargeError(`the body is ${declared} bytes; the limit is ${limit}`);
  }
  const incoming = nodeRequestOf(c);
  if (incoming && !incoming.readableDidRead) return readIncoming(incoming, limit);
  return readWebBody(c.req.raw, limit);
}

/** Node's request behind @hono/node-server (its `env.incoming`); undefined in-process or on other runtimes. */
export function nodeRequestOf(c: Context): IncomingMessage | undefined {
  const incoming: unknown = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`the body is larger than the limit of ${limit} bytes`);
}

function readIncoming(incoming: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (done: () => void) => {
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
      } else chunks.push(chunk);
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

async function readWebBody(req: Request, limit: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
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
  }
  return Buffer.concat(chunks);
}
