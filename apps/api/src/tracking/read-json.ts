// Reads a tracking call's body: size-limited (Segment answers 400 past its limits), UTF-8, strict JSON object.
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '@tributary/flow';
import type { Context } from 'hono';
import { readBodyLimited } from '../ingress/read-body.js';
import { checkStorableJson } from '../ingress/storable.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * JSON is accepted as `application/json` (and `+json` types), as `text/plain` (what analytics.js sends to avoid
 * a CORS preflight) or without a content type; other types get 415.
 */
function checkContentType(contentType: string | undefined): void {
  const type = mediaType(contentType);
  const jsonLike =
    type === '' || type === 'application/json' || type.endsWith('+json') || type === 'text/plain';
  if (!jsonLike) {
    throw new UnsupportedMediaTypeError(`send JSON (Content-Type: application/json), not ${type}`);
  }
  const charset = /charset=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
    throw new UnsupportedMediaTypeError(`send UTF-8 JSON, not charset ${charset}`);
  }
}

/**
 * The body as a JSON object, with its size in bytes; BadRequestError (400) when larger than `limit`, not
 * UTF-8, not JSON or not an object.
 */
export async function readJsonObject(
  c: Context,
  limit: number,
  what: { code: string; label: string },
): Promise<{ body: Record<string, unknown>; bytes: number }> {
  checkContentType(c.req.header('content-type'));
  let bytes: Uint8Array;
  try {
    bytes = await readBodyLimited(c, limit);
  } catch (err) {
    if (err instanceof PayloadTooLargeError) {
      throw new BadRequestError(`${what.label} is larger than ${limit / 1024} KB`, {
        code: what.code,
        cause: err,
      });
    }
    throw err;
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (err) {
    throw new BadRequestError('the body is not valid UTF-8', { code: 'invalid_encoding', cause: err });
  }
  if (text.trim().length === 0) {
    throw new BadRequestError('the body is empty; send a JSON object', { code: 'malformed_json' });
  }
  checkStorableJson(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new BadRequestError('the body is not valid JSON', { code: 'malformed_json', cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError('the body must be a JSON object', { code: 'invalid_body' });
  }
  // checked just above: a non-null, non-array object
  return { body: parsed as Record<string, unknown>, bytes: bytes.byteLength };
}
