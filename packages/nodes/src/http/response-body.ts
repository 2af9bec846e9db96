// Reads response bodies: as an item value by content type (JSON parsed, text decoded, anything else base64),
// as a JSON object whose fields a node reads, or as an excerpt for error messages.
import type { HttpResponse } from './http-client.js';

/** A response body as an item carries it; `bodyEncoding` is set only when `body` is base64 of binary bytes. */
export interface DecodedBody {
  body: unknown;
  bodyEncoding?: 'base64';
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;
const TEXT_TYPE =
  /^(?:text\/[\w.+-]+|application\/(?:[\w.+-]+\+)?xml|application\/(?:javascript|x-www-form-urlencoded|x-ndjson|graphql)|image\/svg\+xml)$/;

interface MediaType {
  essence: string;
  charset: string | undefined;
}

function mediaType(contentType: string | undefined): MediaType | undefined {
  if (contentType === undefined) return undefined;
  const [essence = '', ...params] = contentType.split(';').map((p) => p.trim());
  const charset = params
    .map((p) => /^charset\s*=\s*"?([^";]+)"?$/i.exec(p)?.[1])
    .find((c) => c !== undefined);
  return { essence: essence.toLowerCase(), charset };
}

function decoder(charset: string | undefined, fatal = false) {
  try {
    return new TextDecoder(charset ?? 'utf-8', { fatal });
  } catch {
    // an unknown charset label: UTF-8 is the web's default and what almost every API means
    return new TextDecoder('utf-8', { fatal });
  }
}

/** Decodes a body: JSON (when it parses) for JSON types, text for textual ones, base64 otherwise. */
export function decodeBody(headers: Record<string, string>, bytes: Uint8Array): DecodedBody {
  const type = mediaType(headers['content-type']);
  if (type !== undefined && JSON_TYPE.test(type.essence)) {
    const text = decoder(type.charset).decode(bytes);
    if (text.trim() === '') return { body: null };
    try {
      return { body: JSON.parse(text) };
    } catch {
      // a peer that mislabels its body has still answered; failing here would re-send a request that worked
      return { body: text };
    }
  }
  if (type !== undefined && (TEXT_TYPE.test(type.essence) || type.charset !== undefined)) {
    return { body: decoder(type.charset).decode(bytes) };
  }
  if (type === undefined || type.essence === '') {
    // unlabelled: text when it is valid UTF-8, bytes otherwise
    try {
      return { body: decoder(undefined, true).decode(bytes) };
    } catch {
      // not UTF-8: falls through to base64
    }
  }
  return { body: Buffer.from(bytes).toString('base64'), bodyEncoding: 'base64' };
}

/** At most `max` characters of a body, for error messages. */
export function bodyExcerpt(bytes: Uint8Array, max = 500): string {
  const text = new TextDecoder('utf-8').decode(bytes.subarray(0, max * 4)).trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** An answer's body as a JSON object (not an array), read whatever its content type, or undefined. */
export function jsonObjectOf(res: HttpResponse): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(res.body).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>) // checked just above: a JSON object, read by its fields
      : undefined;
  } catch {
    // not JSON (an HTML error page of a proxy, a plain-text answer): the caller falls back to the status
    return undefined;
  }
}
