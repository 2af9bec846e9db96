// The bytes of a published message: a string as UTF-8 text, any other JSON value as JSON.
import { z } from 'zod';

/** What a message carries and how a consumer should read it. */
export interface EncodedMessage {
  bytes: Buffer;
  contentType: 'application/json' | 'text/plain; charset=utf-8';
}

/** A message body or payload in a node's config. */
export function messageBodyField(what: string) {
  return z
    .json()
    .describe(
      `${what}: a string is sent as text (text/plain), anything else as JSON (application/json), e.g. {"orderId": "{{ orderId }}"}`,
    );
}

/** Encodes a body or payload as the field above describes it. */
export function encodeMessage(value: unknown): EncodedMessage {
  if (typeof value === 'string') {
    return { bytes: Buffer.from(value, 'utf8'), contentType: 'text/plain; charset=utf-8' };
  }
  return { bytes: Buffer.from(JSON.stringify(value ?? null), 'utf8'), contentType: 'application/json' };
}
