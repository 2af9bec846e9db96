// Parses a webhook body strictly by its declared content type; anything else is kept as raw bytes.
import { BadRequestError } from '@tributary/flow';
import { checkStorableJson, checkStorableText } from './storable.js';

/** A body whose type we do not parse: its bytes, base64-encoded, with the declared type. */
export interface RawBody {
  encoding: 'base64';
  contentType: string | null;
  data: string;
}

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function charsetOk(contentType: string | null): boolean {
  const charset = /charset=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2]?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii';
}

/** Query-string or form pairs as an object; a repeated key becomes an array. */
export function pairsToObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function text(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch (err) {
    throw new BadRequestError('the body is not valid UTF-8', { code: 'invalid_encoding', cause: err });
  }
}

/** JSON, form and text bodies are parsed; an empty body is null; other types stay raw. */
export function parseBody(contentType: string | null, bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) return null;
  const type = mediaType(contentType);
  const isJson = type === 'application/json' || type.endsWith('+json');
  const isForm = type === 'application/x-www-form-urlencoded';
  const isText = type.startsWith('text/');
  if ((isJson || isForm || isText) && !charsetOk(contentType)) {
    return { encoding: 'base64', contentType, data: Buffer.from(bytes).toString('base64') } satisfies RawBody;
  }
  if (isJson) {
    const json = text(bytes);
    checkStorableJson(json);
    try {
      return JSON.parse(json);
    } catch (err) {
      if (err instanceof BadRequestError) throw err;
      throw new BadRequestError('the body is not valid JSON', { code: 'malformed_json', cause: err });
    }
  }
  if (isForm || isText) {
    const decoded = text(bytes);
    checkStorableText(decoded, 'the body');
    return isForm ? pairsToObject(new URLSearchParams(decoded)) : decoded;
  }
  return { encoding: 'base64', contentType, data: Buffer.from(bytes).toString('base64') } satisfies RawBody;
}
